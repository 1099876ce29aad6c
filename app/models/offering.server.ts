// Micro-equity offerings from drafting to listing: partner staff draft the
// terms for one of their savings groups or for a client's own enterprise,
// record the members' meeting (each member's attendance, comprehension answers,
// vote and opt-out; for an enterprise, its owner's answers and decision), and
// submit it for review only when the gate passes; submitting freezes the
// meeting. A platform admin lists it or returns it to draft (a new meeting is
// then needed; the frozen one stays as history). Investing, refunds and the
// distribution are in other modules; no money moves here.
import crypto from "node:crypto";
import { z } from "zod";
import { comprehensionQuestions, consentGate, passesCheck, type GateResult, type MeetingTally, type OfferingOwner, type Terms } from "~/lib/equity-terms.ts";
import { parseMoneyInput } from "~/lib/money.ts";
import type { MemberVote, OfferingStatus } from "~/generated/prisma/enums.ts";
import { combineForGroup, hasClientLevelRights, liveConsents, mayShow, offeringTextSubjects, PUBLIC_VIEWER, readableText, visiblePlace, type Viewer } from "~/models/consent.server.ts";
import { countryName } from "~/lib/places.ts";
import { reviewSchema } from "~/models/loan-request.server.ts";
import { getDb } from "~/utils/db.server.ts";

export class OfferingError extends Error {
  constructor(message: string, readonly field: string = "") {
    super(message);
    this.name = "OfferingError";
  }
}

/** Offerings anyone may see: listed, and afterwards. */
export const PUBLIC_STATUSES: readonly OfferingStatus[] = ["listed", "closed", "distributed", "refunded"];

const DAY = 86_400_000;
const MAX_RAISE_CENTS = 100_000_000n; // $1,000,000: far above any savings group's loan fund.

function dateInput(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const date = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text ? null : date;
}

function usd(what: string) {
  return z.string({ message: `Enter ${what}.` }).transform((text, ctx) => {
    const parsed = parseMoneyInput(text, "USD", { max: MAX_RAISE_CENTS });
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: `${what[0]!.toUpperCase()}${what.slice(1)}: ${parsed.message}` });
      return z.NEVER;
    }
    return parsed.amount;
  });
}

function day(what: string) {
  return z.string({ message: `Choose ${what}.` }).transform((text, ctx) => {
    const date = dateInput(text.trim());
    if (!date) {
      ctx.addIssue({ code: "custom", message: `Choose ${what} (a date like 2027-01-31).` });
      return z.NEVER;
    }
    return date;
  });
}

function wholeNumber(what: string, min: number, max: number) {
  return z.string({ message: `Enter ${what}.` }).transform((text, ctx) => {
    const t = text.trim();
    const n = /^\d{1,9}$/.test(t) ? Number(t) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: "custom", message: `Enter ${what}: a whole number from ${min} to ${max.toLocaleString("en-US")}.` });
      return z.NEVER;
    }
    return n;
  });
}

/** The draft form. `now` decides what "in the future" means. */
export function offeringSchema(now = new Date()) {
  return z
    .object({
      // Exactly one: a savings group, or a client's own enterprise.
      groupId: z.string().trim().optional().transform((v) => v || null),
      clientId: z.string().trim().optional().transform((v) => v || null),
      title: z.string({ message: "Enter a title." }).trim().min(3, "Enter a title of at least 3 characters.").max(120, "Use at most 120 characters."),
      maxRaise: usd("the capital sought"),
      minRaise: usd("the minimum raise"),
      unitPrice: usd("the unit price"),
      profitSharePercent: z.string({ message: "Enter the investors' share of net profit." }).transform((text, ctx) => {
        const t = text.trim().replace(/%$/, "").trim();
        const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(t);
        if (!match) {
          ctx.addIssue({ code: "custom", message: "Enter the investors' share as a percentage, like 20 or 12.5 (at most 2 decimals)." });
          return z.NEVER;
        }
        const bps = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
        if (bps > 10_000) {
          ctx.addIssue({ code: "custom", message: "The investors' share cannot be more than 100% of the profit." });
          return z.NEVER;
        }
        if (bps === 0) {
          ctx.addIssue({ code: "custom", message: "The investors' share must be more than 0%." });
          return z.NEVER;
        }
        return bps;
      }),
      capitalReturned: z.enum(["yes", "no"], { message: "Say whether investors' capital is returned at share-out." }).transform((v) => v === "yes"),
      cycleStart: day("the cycle's start"),
      cycleEnd: day("the cycle's end"),
      fundraisingDeadline: day("the fundraising deadline"),
      perInvestorMaxUnits: wholeNumber("the most units one investor may hold", 1, 1_000_000),
      cancellationHours: wholeNumber("the cancellation window in hours", 0, 720),
      risks: z.string({ message: "Describe the risks." }).trim().min(20, "Describe the risks in at least 20 characters: what could make the group lose money?").max(4000, "Use at most 4,000 characters."),
    })
    .superRefine((v, ctx) => {
      const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
      if (!v.groupId && !v.clientId) issue("groupId", "Choose the group, or the client whose enterprise this is.");
      else if (v.groupId && v.clientId) issue("clientId", "Choose a group or a client's enterprise, not both.");
      if (v.minRaise > v.maxRaise) issue("minRaise", "The minimum raise cannot be more than the capital sought.");
      if (v.unitPrice > v.maxRaise) issue("unitPrice", "The unit price cannot be more than the capital sought.");
      else if (v.maxRaise % v.unitPrice !== 0n) {
        issue("unitPrice", "The capital sought must be a whole number of units: choose a unit price that divides it exactly (e.g. $25 for $1,000).");
      } else if (v.perInvestorMaxUnits > Number(v.maxRaise / v.unitPrice)) {
        issue("perInvestorMaxUnits", `One investor cannot hold more than all ${Number(v.maxRaise / v.unitPrice)} units.`);
      }
      if (v.cycleEnd.getTime() <= v.cycleStart.getTime()) issue("cycleEnd", "The cycle must end after it starts.");
      else if (v.cycleEnd.getTime() - v.cycleStart.getTime() > 2 * 366 * DAY) issue("cycleEnd", "A cycle can last at most two years.");
      if (v.fundraisingDeadline.getTime() <= now.getTime()) issue("fundraisingDeadline", "The fundraising deadline must be in the future.");
      else if (v.fundraisingDeadline.getTime() > v.cycleStart.getTime()) {
        issue("fundraisingDeadline", "Fundraising must end on or before the day the cycle starts: the capital joins the loan fund at the start.");
      }
    });
}
export type OfferingInput = z.infer<ReturnType<typeof offeringSchema>>;

export const requestKeySchema = z.string().trim().min(8).max(100);

function offeringData(input: OfferingInput) {
  return {
    groupId: input.groupId,
    clientId: input.clientId,
    title: input.title,
    maxRaiseCents: input.maxRaise,
    minRaiseCents: input.minRaise,
    unitPriceCents: input.unitPrice,
    profitShareBps: input.profitSharePercent,
    capitalReturned: input.capitalReturned,
    cycleStart: input.cycleStart,
    cycleEnd: input.cycleEnd,
    fundraisingDeadline: input.fundraisingDeadline,
    perInvestorMaxUnits: input.perInvestorMaxUnits,
    cancellationHours: input.cancellationHours,
    risks: input.risks,
  };
}

async function requireOwner(partnerId: string, input: { groupId: string | null; clientId: string | null }) {
  const db = await getDb();
  if (input.clientId) {
    const client = await db.client.findFirst({ where: { id: input.clientId, partnerId }, select: { id: true } });
    if (!client) throw new OfferingError("Choose one of this partner's clients.", "clientId");
    return;
  }
  const group = await db.group.findFirst({ where: { id: input.groupId ?? "", partnerId }, select: { id: true } });
  if (!group) throw new OfferingError("Choose one of this partner's groups.", "groupId");
}

export function ownerKind(o: { clientId: string | null }): OfferingOwner {
  return o.clientId ? "enterprise" : "group";
}

/** Clients who may own an enterprise offering: the partner's own clients. */
export async function clientOptions(partnerId: string) {
  const db = await getDb();
  const rows = await db.client.findMany({ where: { partnerId }, select: { id: true, fullName: true, sector: true }, orderBy: [{ fullName: "asc" }, { id: "asc" }] });
  return rows.map((c) => ({ id: c.id, name: `${c.fullName} (${c.sector})` }));
}

export async function groupOptions(partnerId: string) {
  const db = await getDb();
  return db.group.findMany({ where: { partnerId }, select: { id: true, name: true }, orderBy: [{ name: "asc" }, { id: "asc" }] });
}

/**
 * Creates a draft. The form's request key names the draft (its reference is
 * derived from it), so the same form posted twice creates one draft and the
 * retry is sent to it.
 */
export async function createOffering(partnerId: string, input: OfferingInput, userId: string, requestKey: string) {
  await requireOwner(partnerId, input);
  const db = await getDb();
  const digest = crypto.createHash("sha256").update(`${partnerId}:${userId}:${requestKey}`).digest("hex");
  const reference = `EQ-${digest.slice(0, 10).toUpperCase()}`;
  const existing = await db.offering.findUnique({ where: { reference }, select: { id: true, partnerId: true, createdById: true } });
  if (existing) {
    if (existing.partnerId === partnerId && existing.createdById === userId) return { id: existing.id };
    throw new OfferingError("This form is out of date: reload the page and save the draft again.");
  }
  try {
    return await db.offering.create({ data: { ...offeringData(input), partnerId, reference, createdById: userId }, select: { id: true } });
  } catch (error) {
    // The same form posted twice at once: the other post created it.
    const raced = await db.offering.findUnique({ where: { reference }, select: { id: true, partnerId: true, createdById: true } });
    if (raced && raced.partnerId === partnerId && raced.createdById === userId) return { id: raced.id };
    throw error;
  }
}

/**
 * Edits a draft. New terms mean new comprehension questions, so an unfrozen
 * meeting recorded for the old terms is discarded: the members must hear the
 * terms they vote on. Frozen meetings (from an earlier submission) stay.
 */
export async function updateOffering(partnerId: string, offeringId: string, input: OfferingInput) {
  await requireOwner(partnerId, input);
  const db = await getDb();
  await db.$transaction(async (tx) => {
    const { count } = await tx.offering.updateMany({ where: { id: offeringId, partnerId, status: "draft" }, data: offeringData(input) });
    if (count !== 1) throw new OfferingError("Only a draft can be edited.");
    const open = await tx.offeringMeeting.findMany({ where: { offeringId, lockedAt: null }, select: { id: true } });
    await tx.offeringMemberResponse.deleteMany({ where: { meetingId: { in: open.map((m) => m.id) } } });
    await tx.offeringMeeting.deleteMany({ where: { id: { in: open.map((m) => m.id) } } });
  });
}

const offeringSelect = {
  id: true,
  reference: true,
  partnerId: true,
  groupId: true,
  clientId: true,
  status: true,
  title: true,
  maxRaiseCents: true,
  minRaiseCents: true,
  unitPriceCents: true,
  profitShareBps: true,
  capitalReturned: true,
  cycleStart: true,
  cycleEnd: true,
  fundraisingDeadline: true,
  perInvestorMaxUnits: true,
  cancellationHours: true,
  risks: true,
  submittedAt: true,
  reviewComment: true,
  listedAt: true,
  unitsSold: true,
  updatedAt: true,
} as const;

export function termsOf(o: { profitShareBps: number; capitalReturned: boolean; unitPriceCents: bigint; maxRaiseCents: bigint }): Terms {
  return { profitShareBps: o.profitShareBps, capitalReturned: o.capitalReturned, unitPriceCents: o.unitPriceCents, maxRaiseCents: o.maxRaiseCents };
}

/**
 * The offering with its group or enterprise and partner. `ownerName` is the
 * group's name or the owner's name: for pages whose viewers have client-level
 * rights (partner staff, admins) only; the public sees `publicOwner`.
 */
async function withGroupAndPartner<T extends { groupId: string | null; clientId: string | null; partnerId: string }>(o: T) {
  const db = await getDb();
  const [group, client, partner] = await Promise.all([
    o.groupId ? db.group.findUnique({ where: { id: o.groupId }, select: { id: true, name: true, region: true, kind: true, sector: true } }) : null,
    o.clientId ? db.client.findUnique({ where: { id: o.clientId }, select: { id: true, fullName: true, sector: true } }) : null,
    db.partner.findUniqueOrThrow({ where: { id: o.partnerId }, select: { id: true, name: true, slug: true, country: true } }),
  ]);
  const ownerName = group ? group.name : client ? `${client.fullName}'s enterprise (${client.sector})` : "";
  return { ...o, group, partner, ownerName };
}

/** The owner as the viewer may see it, and the offering's own free texts (title, risks) as the viewer may read them. */
export type PublicOwner = { kind: OfferingOwner; label: string; story: string | null; place: string; title: string; risks: string };

/**
 * How an offering's group or enterprise is shown to someone without
 * client-level rights: through the consent check, as a loan's borrower is. A
 * group's name and story need every current member's story consent; an
 * enterprise's owner's name needs their name and story consents, its story
 * the story consent; the place as finely as the consents allow. Otherwise a
 * neutral label.
 */
export async function publicOwners(
  offerings: readonly { id: string; groupId: string | null; clientId: string | null; partnerId: string; title: string; risks: string }[],
  viewer: Viewer = PUBLIC_VIEWER,
): Promise<Map<string, PublicOwner>> {
  const db = await getDb();
  const groupIds = offerings.flatMap((o) => (o.groupId ? [o.groupId] : []));
  const clientIds = offerings.flatMap((o) => (o.clientId ? [o.clientId] : []));
  const [about, groups, clients, partners] = await Promise.all([
    offeringTextSubjects(offerings.map((o) => o.id)),
    db.group.findMany({
      where: { id: { in: groupIds } },
      select: { id: true, name: true, story: true, region: true, village: true, members: { where: { leftAt: null }, select: { clientId: true } } },
    }),
    db.client.findMany({ where: { id: { in: clientIds } }, select: { id: true, fullName: true, story: true, region: true, village: true, sector: true } }),
    db.partner.findMany({ where: { id: { in: offerings.map((o) => o.partnerId) } }, select: { id: true, country: true } }),
  ]);
  const consents = await liveConsents([...clientIds, ...groups.flatMap((g) => g.members.map((m) => m.clientId))]);
  const countries = new Map(partners.map((p) => [p.id, countryName(p.country)]));
  const out = new Map<string, PublicOwner>();
  for (const o of offerings) {
    const country = countries.get(o.partnerId) ?? "";
    const subjects = about.get(o.id)?.subjects;
    // Without its subjects (the offering is gone) a text says nothing rather than everything.
    const readable = (text: string) => (subjects ? readableText(text, subjects, viewer, o.partnerId).text : "");
    const texts = { title: readable(o.title), risks: readable(o.risks) };
    const group = o.groupId ? groups.find((g) => g.id === o.groupId) : undefined;
    if (group) {
      const combined = combineForGroup(group.members.map((m) => m.clientId), consents);
      const showStory = mayShow("story", combined, viewer, o.partnerId);
      out.set(o.id, {
        kind: "group",
        label: showStory ? group.name : `A savings group in ${country}`,
        story: showStory && group.story ? readable(group.story) : null,
        place: visiblePlace({ country, region: group.region, village: group.village }, combined, viewer, o.partnerId).join(", "),
        ...texts,
      });
      continue;
    }
    const client = o.clientId ? clients.find((c) => c.id === o.clientId) : undefined;
    if (!client) continue;
    const own = consents.get(client.id);
    const showStory = mayShow("story", own, viewer, o.partnerId);
    const showName = showStory && mayShow("name", own, viewer, o.partnerId);
    out.set(o.id, {
      kind: "enterprise",
      label: showName ? `${client.fullName}'s ${client.sector.toLowerCase()} enterprise` : `An enterprise in ${country}`,
      story: showStory && client.story ? readable(client.story) : null,
      place: visiblePlace({ country, region: client.region, village: client.village }, own, viewer, o.partnerId).join(", "),
      ...texts,
    });
  }
  return out;
}

export async function listPartnerOfferings(partnerId: string) {
  const db = await getDb();
  const rows = await db.offering.findMany({ where: { partnerId }, select: offeringSelect, orderBy: [{ createdAt: "desc" }, { id: "asc" }] });
  const [groups, clients] = await Promise.all([
    db.group.findMany({ where: { id: { in: rows.flatMap((r) => (r.groupId ? [r.groupId] : [])) } }, select: { id: true, name: true } }),
    db.client.findMany({ where: { id: { in: rows.flatMap((r) => (r.clientId ? [r.clientId] : [])) } }, select: { id: true, fullName: true } }),
  ]);
  const names = new Map([...groups.map((g) => [g.id, g.name] as const), ...clients.map((c) => [c.id, `${c.fullName}'s enterprise`] as const)]);
  return rows.map((r) => ({ ...r, groupName: names.get(r.groupId ?? r.clientId ?? "") ?? "" }));
}

export async function getPartnerOffering(partnerId: string, offeringId: string) {
  const db = await getDb();
  const o = await db.offering.findFirst({ where: { id: offeringId, partnerId }, select: offeringSelect });
  return o ? withGroupAndPartner(o) : null;
}

// ---------------------------------------------------------------------------
// The members' meeting

/**
 * Who decides: the group's current members, or an enterprise's owner alone
 * (co-owners are not recorded as clients, so the owner client speaks for it).
 * Names only for viewers with client-level rights (partner staff, admins).
 */
export async function decidingMembers(partnerId: string, offering: { groupId: string | null; clientId: string | null }, viewer: Viewer) {
  if (!offering.clientId) return offering.groupId ? currentMembers(partnerId, offering.groupId, viewer) : [];
  const db = await getDb();
  const owner = await db.client.findFirst({ where: { id: offering.clientId, partnerId }, select: { id: true, fullName: true } });
  if (!owner) return [];
  return [{ id: owner.id, name: hasClientLevelRights(viewer, partnerId) ? owner.fullName : "The owner" }];
}

/** The group's current members, with names only for viewers with client-level rights (partner staff, admins). */
export async function currentMembers(partnerId: string, groupId: string, viewer: Viewer) {
  const db = await getDb();
  const rows = await db.groupMember.findMany({
    where: { groupId, leftAt: null, group: { partnerId } },
    select: { client: { select: { id: true, fullName: true } } },
    orderBy: [{ joinedAt: "asc" }, { clientId: "asc" }],
  });
  const names = hasClientLevelRights(viewer, partnerId);
  return rows.map((r, i) => ({ id: r.client.id, name: names ? r.client.fullName : `Member ${i + 1}` }));
}

const VOTES = ["yes", "no", "abstain"] as const;

export type MemberResponseInput = { clientId: string; present: boolean; answers: Record<string, string>; vote: MemberVote | null; optedOut: boolean };

/**
 * Reads the meeting form: `heldOn`, and per member `present.<id>`,
 * `answer.<question>.<id>`, `vote.<id>`, `optedOut.<id>`. Errors are keyed by
 * those field names.
 */
export function parseMeetingForm(
  values: Record<string, string>,
  members: readonly { id: string; name: string }[],
  terms: Terms,
  now = new Date(),
  owner: OfferingOwner = "group",
): { ok: true; heldOn: Date; notes: string; responses: MemberResponseInput[] } | { ok: false; errors: Record<string, string[]> } {
  const errors: Record<string, string[]> = {};
  const add = (field: string, message: string) => (errors[field] ??= []).push(message);
  const heldOn = dateInput((values.heldOn ?? "").trim());
  if (!heldOn) add("heldOn", "Enter the meeting date (a date like 2026-11-20).");
  else if (heldOn.getTime() > now.getTime()) add("heldOn", "A meeting cannot be recorded before it happens.");
  const notes = (values.notes ?? "").trim();
  if (notes.length > 2000) add("notes", "Use at most 2,000 characters.");
  if (members.length === 0) add("", "The group has no members: add its members before recording the meeting.");
  const questions = comprehensionQuestions(terms, owner);
  const responses: MemberResponseInput[] = members.map((m) => {
    // The owner of an enterprise is the whole decision: taking part is implied, and there is no one to opt out from.
    const present = owner === "enterprise" || values[`present.${m.id}`] === "on" || values[`present.${m.id}`] === "yes";
    const optedOut = owner === "group" && (values[`optedOut.${m.id}`] === "on" || values[`optedOut.${m.id}`] === "yes");
    const rawVote = (values[`vote.${m.id}`] ?? "").trim();
    const answers: Record<string, string> = {};
    for (const q of questions) {
      const a = (values[`answer.${q.id}.${m.id}`] ?? "").trim();
      if (!a) continue;
      if (!q.options.some((o) => o.id === a)) add(`answer.${q.id}.${m.id}`, `Choose one of the answers for ${m.name}.`);
      else answers[q.id] = a;
    }
    if (rawVote && !(VOTES as readonly string[]).includes(rawVote)) add(`vote.${m.id}`, `Choose yes, no or abstain for ${m.name}.`);
    if (!present && (rawVote || Object.keys(answers).length > 0)) {
      add(`present.${m.id}`, `${m.name} has answers or a vote but is not marked present: tick "present" or clear them.`);
    }
    if (present && !rawVote) {
      add(`vote.${m.id}`, owner === "group" ? `Record ${m.name}'s vote (yes, no or abstain).` : `Record ${m.name}'s decision (yes, no or abstain).`);
    }
    return { clientId: m.id, present, answers, vote: present && rawVote ? (rawVote as MemberVote) : null, optedOut };
  });
  for (const key of Object.keys(values)) {
    const id = /^(?:present|optedOut|vote)\.(.+)$/.exec(key)?.[1] ?? /^answer\.[^.]+\.(.+)$/.exec(key)?.[1];
    if (id && !members.some((m) => m.id === id)) add("", "The group's members changed since the form was opened: reload the page and record the meeting again.");
  }
  if (Object.keys(errors).length > 0 || !heldOn) return { ok: false, errors };
  return { ok: true, heldOn, notes, responses };
}

/**
 * Records (or re-records) the members' meeting of a draft. Only the latest
 * meeting counts; re-recording replaces the unfrozen one. `passed` comes from
 * passesCheck on this offering's own questions.
 */
export async function recordMeeting(
  partnerId: string,
  offeringId: string,
  input: { heldOn: Date; notes: string; responses: readonly MemberResponseInput[] },
  userId: string,
) {
  const db = await getDb();
  return db.$transaction(async (tx) => {
    // Row lock: a submit running at the same time either sees this meeting whole or refuses it.
    const rows = await tx.$queryRaw<{ status: OfferingStatus; profit_share_bps: number; capital_returned: boolean; group_id: string | null; client_id: string | null }[]>`
      SELECT status, profit_share_bps, capital_returned, group_id, client_id FROM offerings WHERE id = ${offeringId} AND partner_id = ${partnerId} FOR UPDATE`;
    const o = rows[0];
    if (!o) throw new OfferingError("No such offering.");
    if (o.status !== "draft") throw new OfferingError("The meeting record is frozen: it was submitted for review and cannot change.");
    const current = o.client_id
      ? [{ clientId: o.client_id }]
      : await tx.groupMember.findMany({ where: { groupId: o.group_id ?? "", leftAt: null }, select: { clientId: true } });
    const recorded = new Set(input.responses.map((r) => r.clientId));
    if (current.length === 0 || current.length !== recorded.size || input.responses.length !== recorded.size || current.some((m) => !recorded.has(m.clientId))) {
      throw new OfferingError("The group's members changed since the form was opened: reload the page and record the meeting again.");
    }
    const memberCount = current.length;
    const questions = comprehensionQuestions({ profitShareBps: o.profit_share_bps, capitalReturned: o.capital_returned }, o.client_id ? "enterprise" : "group");
    const open = await tx.offeringMeeting.findMany({ where: { offeringId, lockedAt: null }, select: { id: true } });
    await tx.offeringMemberResponse.deleteMany({ where: { meetingId: { in: open.map((m) => m.id) } } });
    await tx.offeringMeeting.deleteMany({ where: { id: { in: open.map((m) => m.id) } } });
    const meeting = await tx.offeringMeeting.create({
      data: { offeringId, heldOn: input.heldOn, membersTotal: memberCount, notes: input.notes, recordedById: userId },
      select: { id: true },
    });
    await tx.offeringMemberResponse.createMany({
      data: input.responses.map((r) => ({
        meetingId: meeting.id,
        clientId: r.clientId,
        present: r.present,
        answers: r.answers,
        passed: r.present && passesCheck(questions, r.answers),
        vote: r.present ? r.vote : null,
        optedOut: r.optedOut,
      })),
    });
    return meeting;
  });
}

type ResponseRow = { present: boolean; passed: boolean; vote: MemberVote | null; optedOut: boolean };

export function tallyOf(membersTotal: number, responses: readonly ResponseRow[]): MeetingTally {
  const voters = responses.filter((r) => r.present && r.vote);
  return {
    membersTotal,
    present: responses.filter((r) => r.present).length,
    voted: voters.length,
    yes: voters.filter((r) => r.vote === "yes").length,
    no: voters.filter((r) => r.vote === "no").length,
    abstain: voters.filter((r) => r.vote === "abstain").length,
    passedAmongVoters: voters.filter((r) => r.passed).length,
    optedOut: responses.filter((r) => r.optedOut).length,
  };
}

/** The meeting that counts: the latest one recorded, judged by the gate for the offering's kind. */
export async function latestMeeting(offeringId: string, owner: OfferingOwner = "group") {
  const db = await getDb();
  const m = await db.offeringMeeting.findFirst({
    where: { offeringId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: {
      id: true,
      heldOn: true,
      membersTotal: true,
      notes: true,
      createdAt: true,
      lockedAt: true,
      responses: { select: { clientId: true, present: true, answers: true, passed: true, vote: true, optedOut: true } },
    },
  });
  if (!m) return null;
  const tally = tallyOf(m.membersTotal, m.responses);
  return { ...m, tally, gate: consentGate(owner, tally) };
}

/** Earlier, frozen meetings (from submissions that were returned), newest first: history. */
export async function meetingHistory(offeringId: string) {
  const db = await getDb();
  const rows = await db.offeringMeeting.findMany({
    where: { offeringId, lockedAt: { not: null } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true, heldOn: true, membersTotal: true, lockedAt: true, responses: { select: { present: true, passed: true, vote: true, optedOut: true } } },
  });
  return rows.map((m) => ({ id: m.id, heldOn: m.heldOn, lockedAt: m.lockedAt, tally: tallyOf(m.membersTotal, m.responses) }));
}

export type SubmitRefusal = { reasons: string[]; gate: GateResult | null };

/**
 * Sends a draft to review when its latest meeting passes the listing gate,
 * freezing that meeting. Conditional on the draft status under a row lock, so
 * of two clicks only one succeeds.
 */
export async function submitOffering(partnerId: string, offeringId: string, now = new Date()) {
  const db = await getDb();
  await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ status: OfferingStatus; fundraising_deadline: Date; client_id: string | null }[]>`
      SELECT status, fundraising_deadline, client_id FROM offerings WHERE id = ${offeringId} AND partner_id = ${partnerId} FOR UPDATE`;
    const o = rows[0];
    if (!o) throw new OfferingError("No such offering.");
    if (o.status !== "draft") throw new OfferingError(`This offering is ${o.status}: only a draft can be submitted.`);
    if (o.fundraising_deadline.getTime() <= now.getTime()) {
      throw new OfferingError("The fundraising deadline has passed. Edit the draft and choose a new one.", "fundraisingDeadline");
    }
    const meeting = await tx.offeringMeeting.findFirst({
      where: { offeringId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true, membersTotal: true, lockedAt: true, responses: { select: { present: true, passed: true, vote: true, optedOut: true } } },
    });
    const decision = o.client_id ? "owner's decision" : "members' meeting";
    if (!meeting || meeting.lockedAt) {
      throw new OfferingError(
        meeting ? `Record a new ${decision}: the earlier one belongs to a submission that was returned.` : `Record the ${decision} before submitting.`,
      );
    }
    const gate = consentGate(o.client_id ? "enterprise" : "group", tallyOf(meeting.membersTotal, meeting.responses));
    if (!gate.ok) throw new OfferingError(`The ${decision} does not allow listing. ${gate.reasons.join(" ")}`);
    const { count } = await tx.offering.updateMany({
      where: { id: offeringId, partnerId, status: "draft" },
      data: { status: "submitted", submittedAt: now, reviewComment: null },
    });
    if (count !== 1) throw new OfferingError("This offering was already submitted.");
    await tx.offeringMeeting.update({ where: { id: meeting.id }, data: { lockedAt: now } });
  });
}

// ---------------------------------------------------------------------------
// Admin review

/** The same decision form as loan review: approve, or return with a comment. */
export { reviewSchema };

export async function reviewQueue() {
  const db = await getDb();
  const rows = await db.offering.findMany({ where: { status: "submitted" }, select: offeringSelect, orderBy: [{ submittedAt: "asc" }, { id: "asc" }] });
  return Promise.all(rows.map(withGroupAndPartner));
}

export async function getOfferingForReview(offeringId: string) {
  const db = await getDb();
  const o = await db.offering.findUnique({ where: { id: offeringId }, select: offeringSelect });
  return o ? withGroupAndPartner(o) : null;
}

/** Approve: listed. Return: back to draft with the comment; its frozen meeting stays as history and a new one is needed. */
export async function reviewOffering(offeringId: string, adminId: string, review: z.infer<typeof reviewSchema>, now = new Date()) {
  const db = await getDb();
  const o = await db.offering.findUnique({ where: { id: offeringId }, select: { status: true, fundraisingDeadline: true } });
  if (!o) throw new OfferingError("No such offering.");
  if (o.status !== "submitted") throw new OfferingError(`This offering is ${o.status}: only a submitted offering can be reviewed.`);
  if (review.decision === "approve" && o.fundraisingDeadline.getTime() <= now.getTime()) {
    throw new OfferingError("Its fundraising deadline has passed: return it to the partner to choose a new one.");
  }
  const data =
    review.decision === "approve"
      ? { status: "listed" as const, listedAt: now, reviewedById: adminId, reviewComment: review.comment || null }
      : { status: "draft" as const, reviewedById: adminId, reviewComment: review.comment, submittedAt: null };
  const { count } = await db.offering.updateMany({ where: { id: offeringId, status: "submitted" }, data });
  if (count !== 1) throw new OfferingError("Someone else reviewed this offering first.");
}

// ---------------------------------------------------------------------------
// Public pages

export async function listPublicOfferings() {
  const db = await getDb();
  const rows = await db.offering.findMany({
    where: { status: { in: [...PUBLIC_STATUSES] } },
    select: offeringSelect,
    orderBy: [{ listedAt: "desc" }, { id: "asc" }],
    take: 200,
  });
  const owners = await publicOwners(rows);
  // Nothing is listed without its owner's consent check: an offering whose owner is gone is not listed.
  return Promise.all(
    rows.flatMap((o) => {
      const owner = owners.get(o.id);
      return owner ? [withGroupAndPartner(o).then((full) => ({ ...full, title: owner.title, risks: owner.risks, owner }))] : [];
    }),
  );
}

/** A listed (or later) offering with its meeting in aggregate; drafts and submitted ones are not found. */
export async function getPublicOffering(offeringId: string) {
  const db = await getDb();
  const o = await db.offering.findFirst({ where: { id: offeringId, status: { in: [...PUBLIC_STATUSES] } }, select: offeringSelect });
  if (!o) return null;
  const meeting = await db.offeringMeeting.findFirst({
    where: { offeringId, lockedAt: { not: null } },
    orderBy: [{ lockedAt: "desc" }, { id: "desc" }],
    select: { heldOn: true, membersTotal: true, responses: { select: { present: true, passed: true, vote: true, optedOut: true } } },
  });
  const tally = meeting ? tallyOf(meeting.membersTotal, meeting.responses) : null;
  const [full, owners] = await Promise.all([withGroupAndPartner(o), publicOwners([o])]);
  const owner = owners.get(o.id);
  if (!owner) return null;
  return {
    ...full,
    // The title and risks as the public may read them (consent.server.ts readableText).
    title: owner.title,
    risks: owner.risks,
    owner,
    meeting: meeting && tally ? { heldOn: meeting.heldOn, tally, gate: consentGate(ownerKind(o), tally) } : null,
  };
}
