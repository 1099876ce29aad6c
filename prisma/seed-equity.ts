// The demo's micro-equity: a savings group's offering open to investors, one
// whose cycle has ended with its report still to file, and a client's
// enterprise open to investors. Each went through the real steps: drafted
// terms, the members' meeting (or the owner's decision) recorded and judged
// by the gate, submitted (which freezes the record) and approved by the
// platform admin; units bought and settled through the equity model, never by
// writing balances.
import { comprehensionQuestions, type OfferingOwner } from "~/lib/equity-terms.ts";
import { buyUnits, settleOfferings } from "~/models/equity.server.ts";
import { recordMeeting, reviewOffering, submitOffering, type MemberResponseInput } from "~/models/offering.server.ts";
import type { Db } from "~/utils/db.server.ts";

const DAY = 86_400_000;

type Draft = {
  id: string;
  reference: string;
  title: string;
  groupId?: string;
  clientId?: string;
  cycleStart: Date;
  cycleEnd: Date;
  fundraisingDeadline: Date;
  /** When the facilitator met the members (or the owner), submitted and the admin approved. */
  heldOn: Date;
};

const TERMS = {
  maxRaiseCents: 100_000n,
  minRaiseCents: 20_000n,
  unitPriceCents: 2_500n,
  profitShareBps: 2_000,
  capitalReturned: true,
  perInvestorMaxUnits: 10,
  cancellationHours: 48,
};

/**
 * The members as a facilitator would find them: everyone present but the last
 * of a larger group, all but one answering every question right, all but one
 * voting yes (that one abstains), one member opting out of the capital-sharing.
 */
function responses(memberIds: readonly string[], owner: OfferingOwner): MemberResponseInput[] {
  const questions = comprehensionQuestions(TERMS, owner);
  const right = Object.fromEntries(questions.map((q) => [q.id, q.correct]));
  const wrong = { ...right, loss: "full" };
  return memberIds.map((clientId, i) => {
    const present = owner === "enterprise" || memberIds.length < 5 || i < memberIds.length - 1;
    const last = owner === "group" && i === memberIds.length - 2;
    return {
      clientId,
      present,
      answers: present ? (last ? wrong : right) : {},
      vote: present ? (last ? "abstain" : "yes") : null,
      optedOut: owner === "group" && i === 0,
    };
  });
}

/** A draft with these terms, its meeting recorded and passed, submitted and listed; nothing when it exists already. */
async function listThroughTheGate(db: Db, ids: { partnerId: string; officerId: string; adminId: string }, d: Draft) {
  if (await db.offering.findUnique({ where: { id: d.id }, select: { id: true } })) return;
  await db.offering.create({
    data: {
      ...TERMS,
      id: d.id,
      reference: d.reference,
      partnerId: ids.partnerId,
      groupId: d.groupId ?? null,
      clientId: d.clientId ?? null,
      title: d.title,
      cycleStart: d.cycleStart,
      cycleEnd: d.cycleEnd,
      fundraisingDeadline: d.fundraisingDeadline,
      risks: d.clientId
        ? "Fewer orders in a bad harvest year, or a machine breaking down, can cut the enterprise's sales; a loss is shared with investors."
        : "A drought or a poor harvest can cut members' repayments; the group's loan fund can then make a loss, and investors share in it.",
      createdById: ids.officerId,
      createdAt: d.heldOn,
    },
  });
  const owner: OfferingOwner = d.clientId ? "enterprise" : "group";
  const members = d.clientId
    ? [d.clientId]
    : (await db.groupMember.findMany({ where: { groupId: d.groupId!, leftAt: null }, select: { clientId: true }, orderBy: [{ joinedAt: "asc" }, { clientId: "asc" }] })).map((m) => m.clientId);
  await recordMeeting(ids.partnerId, d.id, { heldOn: d.heldOn, notes: "Terms read aloud in the local language; questions answered one by one.", responses: responses(members, owner) }, ids.officerId);
  await submitOffering(ids.partnerId, d.id, new Date(d.heldOn.getTime() + DAY));
  await reviewOffering(d.id, ids.adminId, { decision: "approve", comment: "" }, new Date(d.heldOn.getTime() + 2 * DAY));
}

export async function seedEquity(
  db: Db,
  input: { partnerId: string; groupId: string; officerId: string; adminId: string; investorIds: string[]; now: number },
) {
  const { groupId, now } = input;
  // Closed first: its purchases and settlement happened long before the open ones were drafted.
  await listThroughTheGate(db, input, {
    id: "seed-offering-closed",
    reference: "EQ-SEED-0",
    groupId,
    title: "Tumaini savings group: the 2026 harvest cycle",
    cycleStart: new Date(now - 180 * DAY),
    cycleEnd: new Date(now - 2 * DAY),
    fundraisingDeadline: new Date(now - 185 * DAY),
    heldOn: new Date(now - 203 * DAY),
  });
  for (const [i, investorId] of input.investorIds.entries()) {
    await buyUnits({ investorId, offeringId: "seed-offering-closed", units: 2 + i, requestKey: "seed-equity-buy", now: new Date(now - 190 * DAY + i * 60_000) });
  }
  // Its deadline passed: the real settlement closes it and passes the capital to the partner.
  await settleOfferings(new Date(now - 185 * DAY + 60_000));

  await listThroughTheGate(db, input, {
    id: "seed-offering-listed",
    reference: "EQ-SEED-1",
    groupId,
    title: "Tumaini savings group: the 2027 planting cycle",
    cycleStart: new Date(now + 30 * DAY),
    cycleEnd: new Date(now + 300 * DAY),
    fundraisingDeadline: new Date(now + 20 * DAY),
    heldOn: new Date(now - 5 * DAY),
  });

  // A client of the partner who is in no group: an enterprise of their own.
  const owner = await db.client.findFirst({ where: { partnerId: input.partnerId, memberships: { none: {} } }, select: { id: true }, orderBy: { id: "asc" } });
  if (owner) {
    await listThroughTheGate(db, input, {
      id: "seed-offering-enterprise",
      reference: "EQ-SEED-2",
      clientId: owner.id,
      title: "A second workshop machine for the busy season",
      cycleStart: new Date(now + 25 * DAY),
      cycleEnd: new Date(now + 210 * DAY),
      fundraisingDeadline: new Date(now + 18 * DAY),
      heldOn: new Date(now - 4 * DAY),
    });
  }
}
