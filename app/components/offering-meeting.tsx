import type { GateResult, MeetingTally } from "~/lib/equity-terms.ts";

/** Below this many members, counts could single a member out: investors see only whether the gate passed. */
export const MIN_MEMBERS_FOR_COUNTS = 5;

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

/** The members' meeting in aggregate: never a name. */
export function MeetingAggregate({
  meeting,
  showCounts,
  enterprise = false,
}: {
  meeting: { heldOn: string; tally: MeetingTally; gate: GateResult };
  showCounts: boolean;
  enterprise?: boolean;
}) {
  const t = meeting.tally;
  if (enterprise) {
    return (
      <div>
        <p>
          On {dateFormat.format(new Date(meeting.heldOn))} the enterprise's owner heard these terms from the partner's facilitator and answered a short check on
          them.
        </p>
        <ul>
          <li>The owner understood the terms (answered every question correctly): {meeting.gate.understood ? "yes" : "no"}</li>
          <li>The owner agreed to the offering: {meeting.gate.majority ? "yes" : "no"}</li>
        </ul>
      </div>
    );
  }
  const counts = showCounts || t.membersTotal >= MIN_MEMBERS_FOR_COUNTS;
  return (
    <div>
      <p>The members met on {dateFormat.format(new Date(meeting.heldOn))}, heard these terms, answered a short check on them and voted.</p>
      {counts ? (
        <dl className="facts">
          <dt>Members of the group</dt><dd>{t.membersTotal}</dd>
          <dt>Present</dt><dd>{t.present}</dd>
          <dt>Votes</dt><dd>{t.yes} yes, {t.no} no, {t.abstain} abstain</dd>
          <dt>Voters who passed the comprehension check</dt><dd>{t.passedAmongVoters} of {t.voted}</dd>
          <dt>Members who opted out</dt><dd>{t.optedOut}</dd>
        </dl>
      ) : (
        <p>The group has fewer than {MIN_MEMBERS_FOR_COUNTS} members, so the counts are not shown, to protect the members' privacy.</p>
      )}
      <ul>
        <li>Quorum (more than half the members present): {meeting.gate.quorum ? "yes" : "no"}</li>
        <li>Majority yes among voters: {meeting.gate.majority ? "yes" : "no"}</li>
        <li>Most voters understood the terms: {meeting.gate.understood ? "yes" : "no"}</li>
      </ul>
    </div>
  );
}
