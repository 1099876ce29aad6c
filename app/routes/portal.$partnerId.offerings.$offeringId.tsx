import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { Field, FormError, TextAreaField } from "~/components/forms.tsx";
import { OfferingFields } from "~/components/offering-fields.tsx";
import { PublicTextPreview } from "~/components/public-text-preview.tsx";
import { offeringPublicReading } from "~/models/consent.server.ts";
import { PublicReading } from "~/components/public-reading.tsx";

const OWNER_FIELDS = { group: "groupId", client: "clientId" };
const OFFERING_TEXTS = { title: "Title", risks: "Risks" };
import { OfferingTerms, offeringFormValues, offeringTermsView } from "~/components/offering-terms.tsx";
import { comprehensionQuestions } from "~/lib/equity-terms.ts";
import { fieldErrors, formToObject, type FieldErrors } from "~/lib/forms.ts";
import { OFFERING_STATUS_LABELS } from "~/lib/offering-summary.ts";
import { getViewer, MANAGING_ROLES, requirePartnerStaff } from "~/utils/auth.server.ts";
import {
  clientOptions,
  decidingMembers,
  getPartnerOffering,
  groupOptions,
  latestMeeting,
  meetingHistory,
  OfferingError,
  offeringSchema,
  parseMeetingForm,
  recordMeeting,
  submitOffering,
  ownerKind,
  termsOf,
  updateOffering,
} from "~/models/offering.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.offering.reference ?? "Offering"} — Mavuno partner portal` }];

async function context(request: Request, params: { partnerId?: string; offeringId?: string }) {
  const partnerId = params.partnerId ?? "";
  const { user } = await requirePartnerStaff(request, partnerId, MANAGING_ROLES);
  const offering = await getPartnerOffering(partnerId, params.offeringId ?? "");
  if (!offering) throw new Response("Not found", { status: 404 });
  return { user, partnerId, offering };
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { partnerId, offering } = await context(request, params);
  const viewer = await getViewer(request);
  const kind = ownerKind(offering);
  const [meeting, history, members, groups, clients, reading] = await Promise.all([
    latestMeeting(offering.id, kind),
    meetingHistory(offering.id),
    decidingMembers(partnerId, offering, viewer),
    groupOptions(partnerId),
    clientOptions(partnerId),
    offeringPublicReading(offering.id),
  ]);
  const terms = offeringTermsView(offering);
  const names = new Map(members.map((m) => [m.id, m.name]));
  return json({
    reading,
    partnerId,
    offering: { id: offering.id, reference: offering.reference, title: offering.title, status: offering.status, risks: offering.risks, reviewComment: offering.reviewComment, groupId: offering.groupId, clientId: offering.clientId, groupName: offering.ownerName, kind },
    terms,
    formValues: offeringFormValues({ ...terms, groupId: offering.groupId, clientId: offering.clientId, title: offering.title, risks: offering.risks }),
    groups,
    clients,
    members,
    questions: comprehensionQuestions(termsOf(offering), kind),
    meeting: meeting
      ? {
          id: meeting.id,
          heldOn: isoDay(meeting.heldOn),
          notes: meeting.notes,
          lockedAt: meeting.lockedAt?.toISOString() ?? null,
          tally: meeting.tally,
          gate: meeting.gate,
          responses: meeting.responses.map((r) => ({ ...r, name: names.get(r.clientId) ?? "A former member", answers: r.answers as Record<string, string> })),
        }
      : null,
    history: history.map((h) => ({ id: h.id, heldOn: isoDay(h.heldOn), lockedAt: h.lockedAt?.toISOString() ?? null, tally: h.tally })),
    today: isoDay(new Date()),
    done: new URL(request.url).searchParams.get("done"),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, partnerId, offering } = await context(request, params);
  const values = formToObject(await request.formData());
  const here = `/portal/${partnerId}/offerings/${offering.id}`;
  const fail = (intent: string, errors: FieldErrors, status = 400) => json({ intent, errors, values }, { status });
  try {
    switch (values.intent) {
      case "update": {
        const parsed = offeringSchema().safeParse(values);
        if (!parsed.success) return fail("update", fieldErrors(parsed.error));
        await updateOffering(partnerId, offering.id, parsed.data);
        return redirect(`${here}?done=updated`);
      }
      case "meeting": {
        if (offering.status !== "draft") return fail("meeting", { "": ["The meeting record is frozen: it was submitted for review and cannot change."] }, 409);
        const members = await decidingMembers(partnerId, offering, await getViewer(request));
        const parsed = parseMeetingForm(values, members, termsOf(offering), new Date(), ownerKind(offering));
        if (!parsed.ok) return fail("meeting", parsed.errors);
        await recordMeeting(partnerId, offering.id, parsed, user.id);
        return redirect(`${here}?done=meeting#meeting-title`);
      }
      case "submit": {
        await submitOffering(partnerId, offering.id);
        return redirect(`${here}?done=submitted`);
      }
      default:
        return fail("", { "": ["Choose what to do."] });
    }
  } catch (error) {
    if (error instanceof OfferingError) return fail(values.intent ?? "", { [error.field]: [error.message] }, 409);
    throw error;
  }
}

const DONE: Record<string, string> = {
  updated: "The terms are saved. If a meeting had been recorded for the old terms, record it again: the members must vote on these terms.",
  meeting: "The meeting is recorded.",
  submitted: "Submitted for review. The meeting record is now frozen.",
};

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
const VOTE_LABELS = { yes: "Yes", no: "No", abstain: "Abstain" } as const;

export default function OfferingPage() {
  const { partnerId, offering, terms, formValues, groups, clients, members, questions, meeting, history, today, done, reading } = useLoaderData<typeof loader>();
  const enterprise = offering.kind === "enterprise";
  const data = useActionData<typeof action>();
  const errorsFor = (intent: string) => (data?.intent === intent ? data.errors : undefined);
  const draft = offering.status === "draft";
  const meetingErrors = errorsFor("meeting");
  const meetingValues = data?.intent === "meeting" ? data.values : undefined;
  const previous = new Map((meeting && !meeting.lockedAt ? meeting.responses : []).map((r) => [r.clientId, r]));
  return (
    <section aria-labelledby="offering-title">
      <p><Link to={`/portal/${partnerId}/offerings`}>← Offerings</Link></p>
      <h1 id="offering-title">{offering.title}</h1>
      <p>
        {offering.reference} · <span className={`status status-${offering.status}`}>{OFFERING_STATUS_LABELS[offering.status]}</span> · {enterprise ? "Enterprise" : "Group"}: {offering.groupName}
      </p>
      {done && DONE[done] ? <p className="notice" role="status">{DONE[done]}</p> : null}
      {reading ? <PublicReading reading={reading} headings={OFFERING_TEXTS} /> : null}
      {offering.status === "closed" || offering.status === "distributed" ? (
        <p><Link to={`/portal/${partnerId}/offering-reports/${offering.id}`}>The cycle report and the investors</Link></p>
      ) : null}
      {offering.status !== "draft" && offering.status !== "submitted" ? (
        <p><Link to={`/offerings/${offering.id}`}>The offering's public page</Link></p>
      ) : null}
      {draft && offering.reviewComment ? (
        <div className="notice" role="note">
          <p><strong>Returned by the reviewer:</strong> {offering.reviewComment}</p>
          <p>The earlier meeting record is kept as history; record a new meeting with the members before submitting again.</p>
        </div>
      ) : null}
      {data?.intent === "" ? <FormError errors={data.errors[""]} /> : null}

      <OfferingTerms terms={terms} />
      <h2>Risks</h2>
      <p>{offering.risks}</p>

      {draft ? (
        <details open={data?.intent === "update"}>
          <summary>Edit the terms</summary>
          <Form method="post" noValidate>
            <input type="hidden" name="intent" value="update" />
            <FormError errors={errorsFor("update")?.[""]} />
            <OfferingFields
              groups={groups}
              clients={clients}
              values={data?.intent === "update" ? data.values : formValues}
              errors={errorsFor("update")}
              previews={{
                title: <PublicTextPreview partnerId={partnerId} textField="title" aboutGroupOrClient={OWNER_FIELDS} as="owner" initial={reading?.texts.title ?? null} label="The title as the public will read it" />,
                risks: <PublicTextPreview partnerId={partnerId} textField="risks" aboutGroupOrClient={OWNER_FIELDS} as="owner" initial={reading?.texts.risks ?? null} label="The risks as the public will read them" />,
              }}
            />
            <div className="actions"><button type="submit">Save the terms</button></div>
          </Form>
        </details>
      ) : null}

      <h2 id="meeting-title">{enterprise ? "The owner's decision" : "The members' meeting"}</h2>
      {enterprise ? (
        <p>
          The facilitator presents these terms to the enterprise's owner, asks the three questions below, and records the owner's answers and decision.
          Listing needs the owner to answer all three correctly and to agree.
        </p>
      ) : (
        <>
          <p>
            The facilitator presents these terms to the group, asks each member the three questions below, and records each member's vote. Listing needs a
            quorum (more than half the members present), a majority yes among those who voted, and more than half of the voters answering all three questions
            correctly.
          </p>
          <p>
            <strong>Opting out</strong> means the member's own savings are kept out of the capital-sharing with investors. It is recorded, shown and counted,
            and does not stop the member attending or voting.
          </p>
        </>
      )}
      {meeting ? <MeetingTallyView meeting={meeting} enterprise={enterprise} /> : <p>No {enterprise ? "decision" : "meeting"} recorded yet.</p>}

      {draft ? (
        members.length === 0 ? (
          <p>The group has no members yet. <Link to={`/portal/${partnerId}/groups/${offering.groupId}`}>Add its members</Link> before recording the meeting.</p>
        ) : (
          <Form method="post" noValidate aria-labelledby="record-meeting-title">
            <h3 id="record-meeting-title">
              {`Record ${enterprise ? "the owner's decision" : "the meeting"}${meeting && !meeting.lockedAt ? " again (replaces the one above)" : ""}`}
            </h3>
            <input type="hidden" name="intent" value="meeting" />
            <FormError errors={meetingErrors?.[""]} />
            <Field name="heldOn" type="date" label="Held on" defaultValue={meetingValues?.heldOn ?? (meeting && !meeting.lockedAt ? meeting.heldOn : today)} errors={meetingErrors?.heldOn} />
            {members.map((m) => {
              const prev = previous.get(m.id);
              const value = (key: string) => (meetingValues ? meetingValues[key] : undefined);
              const present = meetingValues ? value(`present.${m.id}`) === "on" : (prev?.present ?? false);
              const optedOut = meetingValues ? value(`optedOut.${m.id}`) === "on" : (prev?.optedOut ?? false);
              const vote = meetingValues ? value(`vote.${m.id}`) : (prev?.vote ?? undefined);
              const memberErrors = [`present.${m.id}`, `vote.${m.id}`, ...questions.map((q) => `answer.${q.id}.${m.id}`)].flatMap((k) => meetingErrors?.[k] ?? []);
              return (
                <fieldset key={m.id} className="member-response">
                  <legend>{m.name}</legend>
                  {memberErrors.length ? <p className="field-error">{memberErrors.join(" ")}</p> : null}
                  {enterprise ? null : <label><input type="checkbox" name={`present.${m.id}`} defaultChecked={present} /> Present</label>}
                  {questions.map((q) => {
                    const answer = meetingValues ? value(`answer.${q.id}.${m.id}`) : prev?.answers[q.id];
                    return (
                      <fieldset key={q.id}>
                        <legend>{q.text}</legend>
                        {q.options.map((o) => (
                          <label key={o.id}>
                            <input type="radio" name={`answer.${q.id}.${m.id}`} value={o.id} defaultChecked={answer === o.id} /> {o.text}
                          </label>
                        ))}
                      </fieldset>
                    );
                  })}
                  <fieldset>
                    <legend>{enterprise ? "Decision: does the owner agree to the offering?" : "Vote"}</legend>
                    {(["yes", "no", "abstain"] as const).map((v) => (
                      <label key={v}><input type="radio" name={`vote.${m.id}`} value={v} defaultChecked={vote === v} /> {VOTE_LABELS[v]}</label>
                    ))}
                  </fieldset>
                  {enterprise ? null : (
                    <label><input type="checkbox" name={`optedOut.${m.id}`} defaultChecked={optedOut} /> Opts out (their savings stay out of the capital-sharing)</label>
                  )}
                </fieldset>
              );
            })}
            <TextAreaField name="notes" label="Notes (optional)" defaultValue={meetingValues?.notes ?? ""} errors={meetingErrors?.notes} rows={3} />
            <div className="actions"><button type="submit">{enterprise ? "Record the owner's decision" : "Record the meeting"}</button></div>
          </Form>
        )
      ) : null}

      {draft ? (
        <>
          <h2>Submit for review</h2>
          {meeting && !meeting.lockedAt && meeting.gate.ok ? (
            <p>The meeting allows listing. Submitting freezes the meeting record; a Mavuno reviewer then lists the offering or returns it.</p>
          ) : (
            <p>
              {enterprise
                ? "The offering can be submitted once the owner has answered the check correctly and agreed."
                : "The offering can be submitted once the latest meeting has a quorum, a majority yes and most voters understanding the terms."}
            </p>
          )}
          <Form method="post">
            {data?.intent === "submit" ? <FormError errors={Object.values(data.errors).flat()} /> : null}
            <input type="hidden" name="intent" value="submit" />
            <button type="submit">Submit for review</button>
          </Form>
        </>
      ) : null}

      {history.some((h) => h.id !== meeting?.id) ? (
        <>
          <h2>Earlier meetings (frozen, from submissions that were returned)</h2>
          <ul>
            {history.filter((h) => h.id !== meeting?.id).map((h) => (
              <li key={h.id}>
                {dateFormat.format(new Date(h.heldOn))}: {h.tally.present} of {h.tally.membersTotal} present; {h.tally.yes} yes, {h.tally.no} no, {h.tally.abstain} abstain; {h.tally.passedAmongVoters} of {h.tally.voted} voters passed the check
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

type MeetingView = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["meeting"]>;

function MeetingTallyView({ meeting, enterprise }: { meeting: MeetingView; enterprise: boolean }) {
  const t = meeting.tally;
  return (
    <div>
      <p>
        {enterprise ? "Decision of" : "Meeting of"} {dateFormat.format(new Date(meeting.heldOn))}
        {meeting.lockedAt ? ` · frozen on ${dateFormat.format(new Date(meeting.lockedAt))}` : ""}
      </p>
      {enterprise ? null : (
        <dl className="facts">
        <dt>Members</dt><dd>{t.membersTotal}</dd>
        <dt>Present</dt><dd>{t.present}</dd>
        <dt>Votes</dt><dd>{t.yes} yes, {t.no} no, {t.abstain} abstain</dd>
        <dt>Voters who passed the check</dt><dd>{t.passedAmongVoters} of {t.voted}</dd>
        <dt>Opted out</dt><dd>{t.optedOut}</dd>
        </dl>
      )}
      {meeting.gate.ok ? (
        <p className="notice" role="status">
          {enterprise ? "The owner's decision allows listing: they understood the terms and agreed." : "The meeting allows listing: quorum, majority yes and understanding."}
        </p>
      ) : (
        <div className="form-error" role="alert">
          <p>{enterprise ? "The owner's decision does not allow listing:" : "The meeting does not allow listing:"}</p>
          <ul>{meeting.gate.reasons.map((r) => <li key={r}>{r}</li>)}</ul>
        </div>
      )}
      <div className="table-scroll">
        <table>
          <caption>{enterprise ? "The owner's record" : "Each member's record"} (visible to your organisation only)</caption>
          <thead>
            <tr><th scope="col">Member</th><th scope="col">Present</th><th scope="col">Passed the check</th><th scope="col">Vote</th><th scope="col">Opted out</th></tr>
          </thead>
          <tbody>
            {meeting.responses.map((r) => (
              <tr key={r.clientId}>
                <th scope="row">{r.name}</th>
                <td>{r.present ? "Yes" : "No"}</td>
                <td>{r.present ? (r.passed ? "Yes" : "No") : "—"}</td>
                <td>{r.vote ? VOTE_LABELS[r.vote] : "—"}</td>
                <td>{r.optedOut ? "Yes" : "No"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
