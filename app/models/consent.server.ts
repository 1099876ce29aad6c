// The one answer to "may this be shown, for this client, for this purpose, to
// this viewer?". Every page that shows client data goes through here.
import { z } from "zod";
import type { ConsentPurpose, LocationGranularity } from "~/generated/prisma/enums.ts";
import { getDb } from "~/utils/db.server.ts";
import { CONSENT_PURPOSES } from "~/lib/consent-labels.ts";

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
