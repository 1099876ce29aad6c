// The one answer to "may this be shown, for this client, for this purpose, to
// this viewer?". Every page that shows client data goes through here.
import { z } from "zod";
import type { ConsentPurpose, LocationGranularity } from "~/generated/prisma/enums.ts";
import { getDb } from "~/utils/db.server.ts";
import { CONSENT_PURPOSES } from "~/lib/consent-labels.ts";
import { redact, type Redacted, type RedactionTerm } from "~/lib/redact.ts";

export type Viewer = {
  userId: string | null;
  isPlatformAdmin: boolean;
  /** Partners whose staff the viewer is on. */
  partnerIds: readonly string[];
};

export const PUBLIC_VIEWER: Viewer = { userId: null, isPlatformAdmin: false, partnerIds: [] };

/** Live consents of one client: purposes granted and not revoked. */
export type LiveConsents = {
  purposes: ReadonlySet<ConsentPurpose>;
  /** The location granularity granted, when `location` is live. */
  location: LocationGranularity | null;
};

const NONE: LiveConsents = { purposes: new Set(), location: null };
const GRANULARITY_ORDER: LocationGranularity[] = ["country", "region", "village"];

/** Live consents for many clients in one query, read fresh on every request. */
export async function liveConsents(clientIds: readonly string[]): Promise<Map<string, LiveConsents>> {
  if (clientIds.length === 0) return new Map();
  const db = await getDb();
  const rows = await db.consent.findMany({
    where: { clientId: { in: [...new Set(clientIds)] }, revokedAt: null },
    select: { clientId: true, purpose: true, granularity: true },
  });
  return liveConsentsFrom(rows);
}

/** The SQL of liveConsents' rows for the clients `ids` gives, as one JSON text of [clientId, purpose, granularity]. */
export function liveConsentRowsSql(ids: string): string {
  return `(SELECT json_agg(json_build_array(k.client_id, k.purpose, k.granularity)) FROM consents k
            WHERE k.client_id IN (${ids}) AND k.revoked_at IS NULL)::text`;
}

/**
 * Live consents from the rows liveConsents reads (or liveConsentRowsSql's JSON,
 * for a view that reads them within its own statement): the one place those rows
 * become purposes and a location granularity.
 */
export function liveConsentsFrom(
  rows: readonly { clientId: string; purpose: ConsentPurpose; granularity: LocationGranularity | null }[] | string | null,
): Map<string, LiveConsents> {
  const list =
    typeof rows === "string" || rows === null
      ? (rows ? (JSON.parse(rows) as [string, ConsentPurpose, LocationGranularity | null][]) : []).map(([clientId, purpose, granularity]) => ({
          clientId,
          purpose,
          granularity,
        }))
      : rows;
  const result = new Map<string, LiveConsents>();
  for (const row of list) {
    const current = result.get(row.clientId) ?? { purposes: new Set<ConsentPurpose>(), location: null };
    const purposes = new Set(current.purposes).add(row.purpose);
    let location = current.location;
    if (row.purpose === "location") {
      const granted = row.granularity ?? "country";
      // Several live location grants: the finest one the client agreed to.
      if (!location || GRANULARITY_ORDER.indexOf(granted) > GRANULARITY_ORDER.indexOf(location)) location = granted;
    }
    result.set(row.clientId, { purposes, location });
  }
  return result;
}

/** Staff of the client's own partner and platform admins work with client records directly. */
export function hasClientLevelRights(viewer: Viewer, partnerId: string): boolean {
  return viewer.isPlatformAdmin || viewer.partnerIds.includes(partnerId);
}

export function mayShow(
  purpose: ConsentPurpose,
  consents: LiveConsents | undefined,
  viewer: Viewer,
  partnerId: string,
): boolean {
  if (hasClientLevelRights(viewer, partnerId)) return true;
  return (consents ?? NONE).purposes.has(purpose);
}

export type PlaceParts = { country: string; region: string; village: string };

/** The place as finely as the consent allows: country only by default. */
export function visiblePlace(
  place: PlaceParts,
  consents: LiveConsents | undefined,
  viewer: Viewer,
  partnerId: string,
): string[] {
  const granularity = hasClientLevelRights(viewer, partnerId) ? "village" : ((consents ?? NONE).location ?? "country");
  const parts = [place.country];
  if (granularity === "region" || granularity === "village") parts.unshift(place.region);
  if (granularity === "village") parts.unshift(place.village);
  return parts;
}

/**
 * A group is shown only as far as every current member allows: the group's name
 * and story with every member's story consent, its place at the coarsest
 * granularity any member granted.
 */
export function combineForGroup(memberIds: readonly string[], consents: Map<string, LiveConsents>): LiveConsents {
  if (memberIds.length === 0) return NONE;
  let purposes = null as Set<ConsentPurpose> | null;
  let location: LocationGranularity | null = "village";
  for (const id of memberIds) {
    const member = consents.get(id) ?? NONE;
    purposes = purposes ? new Set([...purposes].filter((p) => member.purposes.has(p))) : new Set(member.purposes);
    const granted = member.location;
    if (!granted) location = null;
    else if (location && GRANULARITY_ORDER.indexOf(granted) < GRANULARITY_ORDER.indexOf(location)) location = granted;
  }
  return { purposes: purposes ?? new Set(), location: purposes?.has("location") ? location : null };
}

/**
 * The same rule as `visiblePlace` and `combineForGroup`, for the public, as a
 * SQL condition on a loan (alias `loan`): its borrower's region may be shown
 * and passes `test` (a condition on the SQL expression it is given). An
 * individual needs a live `location` grant at region or village granularity; a
 * group needs one from every current member. Browsing filters and searches
 * regions only through this, so a result never tells a visitor where a client
 * lives who has not agreed to say.
 */
export function publicRegionCondition(loan: string, test: (region: string) => string): string {
  const granted = (clientId: string) =>
    `(SELECT true FROM consents k WHERE k.client_id = ${clientId} AND k.purpose = 'location'
       AND k.revoked_at IS NULL AND k.granularity IN ('region', 'village') LIMIT 1)`;
  // Scalar subqueries, looked up per loan through primary keys: as EXISTS the
  // planner may instead hash every client and consent in the database, which is
  // far slower once the other conditions have narrowed the loans down.
  return `(CASE
    WHEN ${loan}.client_id IS NOT NULL THEN
      ${test(`(SELECT rc.region FROM clients rc WHERE rc.id = ${loan}.client_id)`)} AND ${granted(`${loan}.client_id`)} IS TRUE
    ELSE
      ${test(`(SELECT rg.region FROM groups rg WHERE rg.id = ${loan}.group_id)`)}
      AND (SELECT count(*) FROM group_members m WHERE m.group_id = ${loan}.group_id AND m.left_at IS NULL) > 0
      AND (SELECT count(*) FROM group_members m WHERE m.group_id = ${loan}.group_id AND m.left_at IS NULL
             AND ${granted("m.client_id")} IS NOT TRUE) = 0
  END)`;
}

// --- Free text ---------------------------------------------------------------

/**
 * Someone a free text may mention: a client (borrower, member, owner) or a
 * group. Their names are hidden without a live `name` consent, their village
 * without `location` at village granularity, their region without it at region
 * or finer.
 */
export type TextSubject = {
  id: string;
  /** How a hidden name is said: "the borrower", "a member", "the owner", "the group". */
  says: string;
  /** The consent that shows the names: `name`, but a group's name goes with its members' `story` (ADR 005). */
  nameConsent?: ConsentPurpose;
  /** The full name and every name the client is also known by. */
  names: readonly string[];
  region: string;
  village: string;
  /** The subject's live consents (a group's: combineForGroup of its members). */
  consents: LiveConsents | undefined;
};

export const SAYS = { borrower: "the borrower", member: "a member", owner: "the owner", client: "the client", group: "the group" } as const;

/**
 * A story, a loan's purpose, an offering's title or risks, a journal text: as
 * this viewer may read it. The one path every free text about clients takes to
 * a page, a CSV, an email or a cache; `hidden` names each mention replaced
 * (for the warning staff see as they write). Staff of the client's partner and
 * platform admins read the text as written.
 */
export function readableText(text: string, subjects: readonly TextSubject[], viewer: Viewer, partnerId: string): Redacted {
  if (!text || hasClientLevelRights(viewer, partnerId)) return { text, hidden: [] };
  return redact(text, subjects.flatMap(textTerms));
}

/** The text as the public will read it, whoever is asking: the preview staff see beside what they write. */
export function publicText(text: string, subjects: readonly TextSubject[], partnerId: string): Redacted {
  return readableText(text, subjects, PUBLIC_VIEWER, partnerId);
}

function textTerms(subject: TextSubject): RedactionTerm[] {
  const live = subject.consents ?? NONE;
  const terms: RedactionTerm[] = [];
  const nameShown = live.purposes.has(subject.nameConsent ?? "name");
  for (const name of subject.names) {
    if (name.trim()) terms.push({ owner: subject.id, text: name, shown: nameShown, replacement: subject.says, kind: subject.nameConsent === "story" ? "phrase" : "name" });
  }
  const granted = live.location;
  if (subject.village.trim()) {
    terms.push({ owner: `${subject.id}:village`, text: subject.village, shown: granted === "village", replacement: "the village", kind: "phrase" });
  }
  if (subject.region.trim()) {
    terms.push({ owner: `${subject.id}:region`, text: subject.region, shown: granted === "village" || granted === "region", replacement: "the region", kind: "phrase" });
  }
  return terms;
}

export type TextPerson = { id: string; fullName: string; aliases: readonly string[]; region: string; village: string };

/** A client as a text subject. */
export function personSubject(person: TextPerson, says: string, consents: Map<string, LiveConsents>): TextSubject {
  return { id: person.id, says, names: [person.fullName, ...person.aliases], region: person.region, village: person.village, consents: consents.get(person.id) };
}

/**
 * A client as text subjects: themselves, and everyone they share a group with
 * as "a member", by name under their own consents. A place in the client's own
 * text is the client's: a mate's village (often the same) is not looked for.
 */
export function clientSubjects(person: TextPerson, says: string, mates: readonly TextPerson[], consents: Map<string, LiveConsents>): TextSubject[] {
  return [
    personSubject(person, says, consents),
    ...mates.filter((m) => m.id !== person.id).map((m) => ({ ...personSubject(m, SAYS.member, consents), region: "", village: "" })),
  ];
}

/**
 * A group as text subjects: the group's name and place under its members'
 * combined consents, and every member, current or past, by name under their own.
 */
export function groupSubjects(
  group: { id: string; name: string; region: string; village: string; currentMemberIds: readonly string[]; people: readonly TextPerson[] },
  consents: Map<string, LiveConsents>,
): TextSubject[] {
  return [
    {
      id: group.id,
      says: SAYS.group,
      nameConsent: "story",
      names: [group.name],
      region: group.region,
      village: group.village,
      consents: combineForGroup(group.currentMemberIds, consents),
    },
    ...group.people.map((p) => personSubject(p, SAYS.member, consents)),
  ];
}

/** SQL: every member of the group `groupId` names, current or past, as one JSON text for `groupPeopleFrom`. */
export function groupPeopleSql(groupId: string): string {
  return `(SELECT json_agg(json_build_array(tc.id, tc.full_name, tc.aliases, tc.region, tc.village)) FROM group_members tm
      JOIN clients tc ON tc.id = tm.client_id WHERE tm.group_id = ${groupId})::text`;
}

/**
 * SQL: everyone who shares or shared a group with the client `clientId`, as one
 * JSON text for `groupPeopleFrom`: a client's own story may name them too.
 */
export function groupMatesSql(clientId: string): string {
  return `(SELECT json_agg(DISTINCT jsonb_build_array(tc.id, tc.full_name, tc.aliases, tc.region, tc.village)) FROM group_members tself
      JOIN group_members tm ON tm.group_id = tself.group_id AND tm.client_id <> tself.client_id
      JOIN clients tc ON tc.id = tm.client_id WHERE tself.client_id = ${clientId})::text`;
}

/** The members `groupPeopleSql` (or `groupMatesSql`) read. */
export function groupPeopleFrom(json: string | null): TextPerson[] {
  return (JSON.parse(json ?? "[]") as [string, string, string[] | null, string, string][]).map(([id, fullName, aliases, region, village]) => ({
    id,
    fullName,
    aliases: aliases ?? [],
    region,
    village,
  }));
}

/** The columns a TextPerson is read from, for Prisma selects. */
export const TEXT_PERSON_SELECT = { id: true, fullName: true, aliases: true, region: true, village: true } as const;
/** A client and everyone they share or shared a group with. */
const CLIENT_WITH_MATES_SELECT = {
  ...TEXT_PERSON_SELECT,
  memberships: { select: { group: { select: { members: { select: { client: { select: TEXT_PERSON_SELECT } } } } } } },
} as const;
type ClientWithMates = TextPerson & { memberships: { group: { members: { client: TextPerson }[] } }[] };
const matesOf = (client: ClientWithMates) => client.memberships.flatMap((m) => m.group.members.map((x) => x.client)).filter((c) => c.id !== client.id);

type OwnedBy = {
  id: string;
  partnerId: string;
  client: ClientWithMates | null;
  group: { id: string; name: string; region: string; village: string; members: { leftAt: Date | null; client: TextPerson }[] } | null;
};
const OWNED_BY_SELECT = {
  id: true,
  partnerId: true,
  client: { select: CLIENT_WITH_MATES_SELECT },
  group: { select: { id: true, name: true, region: true, village: true, members: { select: { leftAt: true, client: { select: TEXT_PERSON_SELECT } } } } },
} as const;

export type TextsAbout = { partnerId: string; subjects: TextSubject[] };

/** Whom the texts of loans or offerings may mention: each one's client (as `says`), or its group and every member. */
async function subjectsOf(rows: readonly OwnedBy[], says: string): Promise<Map<string, TextsAbout>> {
  const consents = await liveConsents(
    rows.flatMap((r) => [...(r.client ? [r.client.id, ...matesOf(r.client).map((m) => m.id)] : []), ...(r.group?.members.map((m) => m.client.id) ?? [])]),
  );
  const result = new Map<string, TextsAbout>();
  for (const row of rows) {
    const subjects = row.client ? clientSubjects(row.client, says, matesOf(row.client), consents) : row.group ? groupRowSubjects(row.group, consents) : [];
    result.set(row.id, { partnerId: row.partnerId, subjects });
  }
  return result;
}

/** A group as read with OWNED_BY_SELECT, as text subjects. */
function groupRowSubjects(group: NonNullable<OwnedBy["group"]>, consents: Map<string, LiveConsents>): TextSubject[] {
  return groupSubjects(
    { ...group, currentMemberIds: group.members.filter((m) => !m.leftAt).map((m) => m.client.id), people: group.members.map((m) => m.client) },
    consents,
  );
}

/** What the free texts about a set of loans may mention: each loan's borrower, or its group and members. */
export async function loanTextSubjects(loanIds: readonly string[]): Promise<Map<string, TextsAbout>> {
  if (loanIds.length === 0) return new Map();
  const db = await getDb();
  const rows = await db.loan.findMany({ where: { id: { in: [...new Set(loanIds)] } }, select: OWNED_BY_SELECT });
  return subjectsOf(rows, SAYS.borrower);
}

/** What the free texts of a set of offerings may mention: each enterprise's owner, or the group and its members. */
export async function offeringTextSubjects(offeringIds: readonly string[]): Promise<Map<string, TextsAbout>> {
  if (offeringIds.length === 0) return new Map();
  const db = await getDb();
  const offerings = await db.offering.findMany({
    where: { id: { in: [...new Set(offeringIds)] } },
    select: { id: true, partnerId: true, groupId: true, clientId: true },
  });
  const [clients, groups] = await Promise.all([
    db.client.findMany({ where: { id: { in: offerings.flatMap((o) => (o.clientId ? [o.clientId] : [])) } }, select: CLIENT_WITH_MATES_SELECT }),
    db.group.findMany({ where: { id: { in: offerings.flatMap((o) => (o.groupId ? [o.groupId] : [])) } }, select: OWNED_BY_SELECT.group.select }),
  ]);
  const rows = offerings.map((o) => ({
    id: o.id,
    partnerId: o.partnerId,
    client: clients.find((c) => c.id === o.clientId) ?? null,
    group: groups.find((g) => g.id === o.groupId) ?? null,
  }));
  return subjectsOf(rows, SAYS.owner);
}

function readableFields<T, K extends keyof T>(rows: readonly T[], idOf: (row: T) => string, about: Map<string, TextsAbout>, fields: readonly K[], viewer: Viewer): T[] {
  return rows.map((row) => {
    const texts = about.get(idOf(row));
    const copy = { ...row };
    for (const field of fields) {
      const value = row[field];
      // A text whose loan or offering is not found says nothing, rather than everything.
      if (typeof value === "string") copy[field] = (texts ? readableText(value, texts.subjects, viewer, texts.partnerId).text : "") as T[K];
    }
    return copy;
  });
}

/** Rows that carry a loan's free text (a purpose in a CSV, an email, a basket), each text as the viewer may read it. */
export async function readableLoanTexts<T extends { loanId: string }, K extends keyof T>(rows: readonly T[], fields: readonly K[], viewer: Viewer): Promise<T[]> {
  return readableFields(rows, (r) => r.loanId, await loanTextSubjects(rows.map((r) => r.loanId)), fields, viewer);
}

/** Rows that carry an offering's free text (its title, its risks), each text as the viewer may read it. */
export async function readableOfferingTexts<T extends { offeringId: string }, K extends keyof T>(
  rows: readonly T[],
  fields: readonly K[],
  viewer: Viewer,
): Promise<T[]> {
  return readableFields(rows, (r) => r.offeringId, await offeringTextSubjects(rows.map((r) => r.offeringId)), fields, viewer);
}

// --- Previews for staff ------------------------------------------------------

/** Whom a text being written is about: a client or group of the partner, or a new client not yet saved. */
export const previewSchema = z.object({
  about: z
    .string()
    .regex(/^((client|group):[A-Za-z0-9_-]{1,64}|new-group)?$/, "Choose a client or group.")
    .default(""),
  /** How a hidden client's name is said: the text is a loan's (borrower), an offering's (owner) or a profile story. */
  as: z.enum(["borrower", "owner", "client"]).default("borrower"),
  text: z.string().max(8000, "Use at most 8,000 characters.").default(""),
  // The client's details as the form now holds them (not yet saved): names and places are hidden as typed.
  fullName: z.string().max(120).optional(),
  aliases: z.string().max(1000).optional(),
  village: z.string().max(120).optional(),
  region: z.string().max(80).optional(),
  // A group not yet saved: its name and the clients chosen as its members.
  groupName: z.string().max(120).optional(),
  members: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Choose members from the list.")).max(200).optional(),
});
export type PreviewInput = z.infer<typeof previewSchema>;

/** "Mama Zawi, Zawi" or one per line: the "also known as" names as the client form takes them. */
export function parseAliases(value: string | undefined): string[] {
  return [...new Set((value ?? "").split(/[,\n]/).map((a) => a.trim()).filter(Boolean))];
}

/**
 * A text as the public will read it, for staff of `partnerId` as they write
 * it: the consents on record for the client or group it is about (a new client
 * has none), and the client's names and places as the form holds them. Null
 * when `about` is not this partner's.
 */
export async function previewPublicText(partnerId: string, input: PreviewInput): Promise<Redacted | null> {
  const db = await getDb();
  const [kind, id] = input.about ? (input.about.split(":") as ["client" | "group", string]) : [null, null];
  const draft = (person: TextPerson): TextPerson => ({
    id: person.id,
    fullName: input.fullName ?? person.fullName,
    aliases: input.aliases !== undefined ? parseAliases(input.aliases) : person.aliases,
    village: input.village ?? person.village,
    region: input.region ?? person.region,
  });
  let subjects: TextSubject[];
  if (input.about === "new-group") {
    const members = await db.client.findMany({ where: { id: { in: input.members ?? [] }, partnerId }, select: TEXT_PERSON_SELECT });
    const group = { id: "new-group", name: input.groupName ?? "", region: input.region ?? "", village: input.village ?? "" };
    subjects = groupSubjects({ ...group, currentMemberIds: members.map((m) => m.id), people: members }, await liveConsents(members.map((m) => m.id)));
  } else if (kind === "group") {
    const group = await db.group.findFirst({ where: { id: id!, partnerId }, select: OWNED_BY_SELECT.group.select });
    if (!group) return null;
    subjects = groupRowSubjects(group, await liveConsents(group.members.map((m) => m.client.id)));
  } else {
    const saved = kind === "client" ? await db.client.findFirst({ where: { id: id!, partnerId }, select: CLIENT_WITH_MATES_SELECT }) : null;
    if (kind === "client" && !saved) return null;
    const person = draft(saved ?? { id: "new", fullName: "", aliases: [], village: "", region: "" });
    const mates = saved ? matesOf(saved) : [];
    subjects = clientSubjects(person, SAYS[input.as], mates, await liveConsents(saved ? [saved.id, ...mates.map((m) => m.id)] : []));
  }
  return publicText(input.text, subjects, partnerId);
}

/** The live consents of one person a text is about, as staff read them beside the public text. */
export type ConsentLine = { who: string; role: string; live: string[] };

/**
 * Texts as the public will read them, with the live consents that decide them:
 * for the pages where staff check what they wrote (the officer's loan and
 * offering pages, the admin's reviews), side by side. A story is null when it
 * is not shown at all: its subject (the client, or the group as a whole) has no
 * live story consent.
 */
export type PublicReading = { texts: Record<string, Redacted>; story: Redacted | null; storyWritten: boolean; consents: ConsentLine[] };

function publicReading(about: TextsAbout, texts: Record<string, string>, story: string, role: string): PublicReading {
  // The first subject is the one the texts are about: the client, or the group with its members' combined consents.
  const storyShown = Boolean(about.subjects[0]?.consents?.purposes.has("story"));
  return {
    texts: Object.fromEntries(Object.entries(texts).map(([field, text]) => [field, publicText(text, about.subjects, about.partnerId)])),
    story: storyShown && story ? publicText(story, about.subjects, about.partnerId) : null,
    storyWritten: story.trim() !== "",
    consents: about.subjects
      .filter((s) => s.says !== SAYS.group)
      .map((p) => ({
        who: p.names[0] ?? "",
        role: p.says === SAYS.member ? "member" : role,
        live: [...(p.consents?.purposes ?? [])].map((purpose) => (purpose === "location" ? `location (to the ${p.consents?.location ?? "country"})` : purpose)).sort(),
      })),
  };
}

/** A loan's purpose and its borrower's story as the public will read them. */
export async function loanPublicReading(loanId: string, texts: { purpose: string; story: string }): Promise<PublicReading | null> {
  const about = (await loanTextSubjects([loanId])).get(loanId);
  return about ? publicReading(about, { purpose: texts.purpose }, texts.story, "borrower") : null;
}

/** An offering's title and risks, and its owner's story, as the public will read them. */
export async function offeringPublicReading(offeringId: string): Promise<PublicReading | null> {
  const db = await getDb();
  const offering = await db.offering.findUnique({ where: { id: offeringId }, select: { title: true, risks: true, groupId: true, clientId: true } });
  if (!offering) return null;
  const [about, owner] = await Promise.all([
    offeringTextSubjects([offeringId]).then((m) => m.get(offeringId)),
    offering.groupId
      ? db.group.findUnique({ where: { id: offering.groupId }, select: { story: true } })
      : offering.clientId
        ? db.client.findUnique({ where: { id: offering.clientId }, select: { story: true } })
        : null,
  ]);
  return about ? publicReading(about, { title: offering.title, risks: offering.risks }, owner?.story ?? "", "owner") : null;
}

// --- Recording consent -------------------------------------------------------

// Shared with the browser bundle, so the list lives in app/lib.
export { CONSENT_PURPOSES } from "~/lib/consent-labels.ts";

export const grantSchema = z
  .object({
    purpose: z.enum(CONSENT_PURPOSES, { message: "Choose what the client agreed to." }),
    granularity: z.enum(["country", "region", "village"], { message: "Choose how precisely the place may be shown." }).optional(),
    evidence: z
      .string({ message: "Say where the evidence is, e.g. the signed form's number." })
      .trim()
      .min(3, "Say where the evidence is, e.g. the signed form's number.")
      .max(300, "Use at most 300 characters."),
  })
  .superRefine((value, ctx) => {
    if (value.purpose === "location" && !value.granularity) {
      ctx.addIssue({ code: "custom", path: ["granularity"], message: "Choose how precisely the place may be shown." });
    }
  });
export type GrantInput = z.infer<typeof grantSchema>;

/**
 * Records a grant. A live grant for the same purpose is superseded (revoked in
 * the same transaction), so there is at most one live grant per purpose and the
 * history keeps both.
 */
export async function recordConsent(clientId: string, input: GrantInput, recordedById: string) {
  const db = await getDb();
  return db.$transaction(async (tx) => {
    const now = new Date();
    await tx.consent.updateMany({
      where: { clientId, purpose: input.purpose, revokedAt: null },
      data: { revokedAt: now, revokedBy: `superseded by a new grant (${recordedById})` },
    });
    return tx.consent.create({
      data: {
        clientId,
        purpose: input.purpose,
        granularity: input.purpose === "location" ? (input.granularity ?? "country") : null,
        evidence: input.evidence,
        recordedById,
        grantedAt: now,
      },
      select: { id: true },
    });
  });
}

/** Revokes a live grant of this client; takes effect on the next request everywhere. */
export async function revokeConsent(clientId: string, consentId: string, revokedBy: string): Promise<boolean> {
  const db = await getDb();
  const { count } = await db.consent.updateMany({
    where: { id: consentId, clientId, revokedAt: null },
    data: { revokedAt: new Date(), revokedBy },
  });
  return count === 1;
}

export async function consentHistory(clientId: string) {
  const db = await getDb();
  return db.consent.findMany({
    where: { clientId },
    select: {
      id: true,
      purpose: true,
      granularity: true,
      evidence: true,
      grantedAt: true,
      revokedAt: true,
      revokedBy: true,
      recordedBy: { select: { name: true } },
    },
    orderBy: [{ grantedAt: "desc" }, { id: "desc" }],
  });
}
