// The public impact page: consented stories, platform totals, and PPI and
// social figures at platform and country level only. Everything here is what
// anyone may see, so it is always computed for the public viewer, whoever asks.
import { z } from "zod";
import { getDb } from "~/utils/db.server.ts";
import {
  clientSubjects,
  combineForGroup,
  groupMatesSql,
  groupPeopleFrom,
  groupPeopleSql,
  groupSubjects,
  liveConsents,
  mayShow,
  PUBLIC_VIEWER,
  readableText,
  SAYS,
  visiblePlace,
} from "./consent.server.ts";
import { countryName } from "~/lib/places.ts";
import { FULLY_FUNDED_STATUSES } from "~/lib/loan-labels.ts";
import { roundedMean, MIN_CLIENTS, shareBps, suppressedChildren } from "~/lib/impact-public.ts";
import { AREAS, complementarySuppression, GENDERS, withheldValues, type CrossTable } from "~/lib/impact.ts";

export const STORIES_PER_PAGE = 12;
/** Quarters of PPI history shown per scorecard and poverty line. */
export const PPI_QUARTERS = 8;

const choice = (pattern: RegExp) => z.string().trim().regex(pattern).optional().catch(undefined);

// A value that does not parse is dropped, so a stale or hand-edited link still shows stories.
export const impactQuery = z.object({
  country: choice(/^[A-Za-z]{2}$/).transform((c) => c?.toUpperCase()),
  sector: z
    .string()
    .trim()
    .max(60)
    .refine((s) => !s.includes("\u0000"))
    .optional()
    .catch(undefined)
    .transform((s) => s || undefined),
  partner: choice(/^[a-z0-9-]{1,80}$/),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
export type ImpactQuery = z.infer<typeof impactQuery>;

const FUNDED = FULLY_FUNDED_STATUSES.map((s) => `'${s}'`).join(", ");
const LIVE_STORY = (clientId: string) =>
  `EXISTS (SELECT 1 FROM consents k WHERE k.client_id = ${clientId} AND k.purpose = 'story' AND k.revoked_at IS NULL)`;
/** A group (alias g) with current members, every one of whom agreed to their story (ADR 005). */
const GROUP_STORY_ALLOWED = `EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.left_at IS NULL)
       AND NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.left_at IS NULL AND NOT ${LIVE_STORY("m.client_id")})`;

type Raw = Record<string, unknown>;

export type PublicStory = {
  key: string;
  kind: "individual" | "group";
  title: string;
  story: string;
  place: string;
  sector: string;
  partner: { name: string; slug: string };
  memberCount: number | null;
  photoUrl: string | null;
};

/**
 * Stories of clients with a live story consent, and of groups whose every
 * current member has one (docs/decisions/005-consent-for-groups.md), newest
 * first. The filters are country, sector and partner: none of them can tell a
 * visitor a client's region.
 */
export async function listStories(query: ImpactQuery) {
  const db = await getDb();
  const values: unknown[] = [];
  const add = (v: unknown) => (values.push(v), `$${values.length}`);
  const filters: string[] = ["p.status = 'active'"];
  if (query.country) filters.push(`p.country = ${add(query.country)}`);
  if (query.partner) filters.push(`p.slug = ${add(query.partner)}`);
  const sector = query.sector ? add(query.sector) : null;
  const where = filters.join(" AND ");
  const stories = `
    SELECT 'c' AS kind, c.id, c.created_at, c.full_name AS name, c.story, c.region, c.village, c.sector, c.photo_file,
           p.id AS partner_id, p.name AS partner_name, p.slug AS partner_slug, p.country, NULL::text[] AS member_ids,
           c.aliases, ${groupMatesSql("c.id")} AS member_people
      FROM clients c JOIN partners p ON p.id = c.partner_id
     WHERE ${where} AND c.story <> '' AND ${LIVE_STORY("c.id")} ${sector ? `AND c.sector = ${sector}` : ""}
    UNION ALL
    SELECT 'g', g.id, g.created_at, g.name, g.story, g.region, g.village, g.sector, NULL,
           p.id, p.name, p.slug, p.country,
           ARRAY(SELECT m.client_id FROM group_members m WHERE m.group_id = g.id AND m.left_at IS NULL ORDER BY m.client_id),
           NULL::text[], ${groupPeopleSql("g.id")}
      FROM groups g JOIN partners p ON p.id = g.partner_id
     WHERE ${where} AND g.story <> '' ${sector ? `AND g.sector = ${sector}` : ""} AND ${GROUP_STORY_ALLOWED}`;
  const pageOf = async (page: number) =>
    (await db.$queryRawUnsafe(
      `WITH s AS (${stories}) SELECT s.*, (SELECT count(*)::int FROM s) AS total FROM s
        ORDER BY created_at DESC, id DESC LIMIT ${STORIES_PER_PAGE} OFFSET ${(page - 1) * STORIES_PER_PAGE}`,
      ...values,
    )) as Raw[];
  let page = query.page;
  let rows = await pageOf(page);
  let total = rows.length ? Number(rows[0]!.total) : 0;
  if (!rows.length && page > 1) {
    // Past the end (an old link after a consent was withdrawn): the last page.
    const [counted] = (await db.$queryRawUnsafe(`WITH s AS (${stories}) SELECT count(*)::int AS total FROM s`, ...values)) as Raw[];
    total = Number(counted?.total ?? 0);
    page = Math.max(1, Math.ceil(total / STORIES_PER_PAGE));
    if (total > 0) rows = await pageOf(page);
  }
  const people = new Map(rows.map((r) => [r.id as string, groupPeopleFrom(r.member_people as string | null)]));
  // A group's members, or a client's group mates: both may be named in the story.
  const consents = await liveConsents(rows.flatMap((r) => [...(r.kind === "c" ? [r.id as string] : []), ...people.get(r.id as string)!.map((p) => p.id)]));
  const list: PublicStory[] = rows.map((r) => {
    const partnerId = r.partner_id as string;
    const country = countryName(r.country as string);
    const parts = { country, region: r.region as string, village: r.village as string };
    const partner = { name: r.partner_name as string, slug: r.partner_slug as string };
    if (r.kind === "g") {
      const members = (r.member_ids as string[]) ?? [];
      const combined = combineForGroup(members, consents);
      const group = { id: r.id as string, name: r.name as string, region: parts.region, village: parts.village };
      const subjects = groupSubjects({ ...group, currentMemberIds: members, people: people.get(group.id)! }, consents);
      return {
        key: `g-${r.id as string}`,
        kind: "group",
        // Every member agreed to the story, which includes the group's name (ADR 005).
        title: r.name as string,
        story: readableText(r.story as string, subjects, PUBLIC_VIEWER, partnerId).text,
        place: visiblePlace(parts, combined, PUBLIC_VIEWER, partnerId).join(", "),
        sector: r.sector as string,
        partner,
        memberCount: members.length,
        photoUrl: null,
      };
    }
    const own = consents.get(r.id as string);
    const person = { id: r.id as string, fullName: r.name as string, aliases: (r.aliases as string[] | null) ?? [], region: parts.region, village: parts.village };
    return {
      key: `c-${r.id as string}`,
      kind: "individual",
      title: mayShow("name", own, PUBLIC_VIEWER, partnerId) ? (r.name as string) : `A client of ${partner.name} in ${country}`,
      story: readableText(r.story as string, clientSubjects(person, SAYS.client, people.get(person.id)!, consents), PUBLIC_VIEWER, partnerId).text,
      place: visiblePlace(parts, own, PUBLIC_VIEWER, partnerId).join(", "),
      sector: r.sector as string,
      partner,
      memberCount: null,
      photoUrl: r.photo_file && mayShow("photo", own, PUBLIC_VIEWER, partnerId) ? `/photos/${r.id as string}` : null,
    };
  });
  return { stories: list, total, page, pageCount: Math.max(1, Math.ceil(total / STORIES_PER_PAGE)) };
}

/** What the story filters offer: active partners, their countries, and the sectors that have a story. */
export async function storyFilterOptions() {
  const db = await getDb();
  const partners = await db.partner.findMany({ where: { status: "active" }, select: { slug: true, name: true, country: true }, orderBy: { name: "asc" } });
  const sectors = (await db.$queryRawUnsafe(
    `SELECT DISTINCT sector FROM (
       SELECT c.sector FROM clients c WHERE c.story <> '' AND ${LIVE_STORY("c.id")}
       UNION SELECT g.sector FROM groups g WHERE g.story <> '' AND ${GROUP_STORY_ALLOWED}) s ORDER BY sector`,
  )) as { sector: string }[];
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, "en");
  return {
    countries: [...new Set(partners.map((p) => p.country))].map((code) => ({ code, name: countryName(code) })).sort(byName),
    partners: partners.map((p) => ({ slug: p.slug, name: p.name })),
    sectors: sectors.map((s) => s.sector),
  };
}

// Clients a funded loan reached: the borrower, or the group's members who had
// not left when it was funded (as loans.expected_reach counts them), each
// client once whatever their number of loans. Not "joined before funding": a
// membership's joined_at is when its record was made, which for a group
// registered with its loans (the demo, an import) is after the funding.
// Ids compared byte by byte ("C"): deduplicating 100,000 of them under the
// database's language collation costs three times as much, for the same result.
const REACHED = `
  SELECT l.client_id COLLATE "C" AS client_id, p.country FROM loans l JOIN partners p ON p.id = l.partner_id
   WHERE l.status IN (${FUNDED}) AND l.client_id IS NOT NULL
  UNION
  SELECT m.client_id COLLATE "C", p.country FROM loans l JOIN partners p ON p.id = l.partner_id
    JOIN group_members m ON m.group_id = l.group_id
     AND (m.left_at IS NULL OR m.left_at > coalesce(l.funded_at, l.created_at))
   WHERE l.status IN (${FUNDED}) AND l.group_id IS NOT NULL`;

export type PlatformTotals = {
  lentUsdCents: string;
  repaidUsdCents: string;
  /** Principal repaid ÷ principal fallen due, over every disbursed loan; null until something is due. */
  repaymentRateBps: number | null;
};

/**
 * Lent (funded shares), repaid to lenders and the repayment rate: the
 * partners' track-record rate (repayment.server.ts, partnerTrackRecords) with
 * every partner's loans taken together. Clients reached come with the social
 * figures, which count the same clients.
 */
export async function platformTotals(now = new Date()): Promise<PlatformTotals> {
  const db = await getDb();
  // Per loan, the principal fallen due by now: all of it once no instalment is still to come.
  const [row] = (await db.$queryRawUnsafe(
    `WITH per_loan AS (
       SELECT l.principal_repaid_usd_cents AS repaid,
              CASE WHEN n.principal IS NULL THEN l.amount_usd_cents::bigint
                   ELSE (l.amount_usd_cents::numeric * (l.amount_local_minor - n.principal) / NULLIF(l.amount_local_minor, 0))::bigint END AS due
         FROM loans l LEFT JOIN LATERAL (
           SELECT SUM(i.principal) AS principal FROM loan_instalments i
            WHERE i.loan_id = l.id AND i.version = l.schedule_version AND i.due_on > $1::date
         ) n ON true
        WHERE l.status IN ('paying_back', 'repaid', 'defaulted', 'written_off')
     )
     SELECT (SELECT coalesce(sum(amount), 0)::text FROM loan_shares WHERE status = 'funded') AS lent,
            (SELECT coalesce(sum(repaid_usd_cents), 0)::text FROM loans) AS repaid,
            (SELECT coalesce(sum(LEAST(repaid, due)), 0)::text FROM per_loan) AS repaid_of_due,
            (SELECT coalesce(sum(due), 0)::text FROM per_loan) AS due`,
    now.toISOString().slice(0, 10),
  )) as Raw[];
  const due = BigInt(row!.due as string);
  return {
    lentUsdCents: row!.lent as string,
    repaidUsdCents: row!.repaid as string,
    repaymentRateBps: due > 0n ? Number((BigInt(row!.repaid_of_due as string) * 10_000n) / due) : null,
  };
}

/** A figure over `clients` clients, or null when it must not be shown. */
export type Shown<T> = { clients: number; value: T } | null;

export type SocialFigures = {
  womenBps: number | null;
  ruralBps: number | null;
  urbanBps: number | null;
  averageLoanUsdCents: number | null;
  /** Shares withheld (null above) because of the few clients they would give away. */
  withheld: ShareName[];
};

type ShareName = "women" | "rural" | "urban";
type SocialRow = {
  country: string;
  clients: number;
  genders: Record<(typeof GENDERS)[number], number>;
  areas: Record<(typeof AREAS)[number], number>;
  loans: number;
  lent: bigint;
};

const SHARES: { name: ShareName; field: "gender" | "area"; value: string }[] = [
  { name: "women", field: "gender", value: "female" },
  { name: "rural", field: "area", value: "rural" },
  { name: "urban", field: "area", value: "urban" },
];
const shareCount = (row: SocialRow, share: (typeof SHARES)[number]) =>
  share.field === "gender" ? row.genders[share.value as (typeof GENDERS)[number]] : row.areas[share.value as (typeof AREAS)[number]];

/**
 * A share of women (rural, urban clients) gives its count: it is shown only
 * where the values of its field leave no 1 to 4 clients to subtract
 * (withheldValues: 22 rural of 24 would give the 2 others away).
 */
function sharesShown(row: SocialRow): Set<ShareName> {
  const table: CrossTable = {
    values: (field) => (field === "gender" ? GENDERS : AREAS),
    others: (set) => (set.gender ? row.genders[set.gender as (typeof GENDERS)[number]] : set.area ? row.areas[set.area as (typeof AREAS)[number]] : row.clients),
  };
  const gender = withheldValues(table, ["gender"]).get("gender")!;
  const area = withheldValues(table, ["area"]).get("area")!;
  return new Set(SHARES.filter((s) => !(s.field === "gender" ? gender : area).has(s.value)).map((s) => s.name));
}

function socialFigures(row: SocialRow, shown: ReadonlySet<ShareName>): SocialFigures {
  const bps = (name: ShareName) => (shown.has(name) ? shareBps(shareCount(row, SHARES.find((s) => s.name === name)!), row.clients) : null);
  return {
    womenBps: bps("women"),
    ruralBps: bps("rural"),
    urbanBps: bps("urban"),
    averageLoanUsdCents: row.loans > 0 ? roundedMean(row.lent, row.loans) : null,
    withheld: SHARES.filter((s) => !shown.has(s.name)).map((s) => s.name),
  };
}

/**
 * Share of women, of rural and urban clients, and the average loan, over the
 * clients funded loans reached: for the platform and per country, with the
 * same suppression as every public aggregate.
 */
export async function publicSocialFigures() {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `WITH reached AS (${REACHED}),
     people AS (
       SELECT r.country, count(*)::int AS clients,
              ${GENDERS.map((g) => `count(*) FILTER (WHERE c.gender = '${g}')::int AS "g_${g}"`).join(", ")},
              ${AREAS.map((a) => `count(*) FILTER (WHERE c.area = '${a}')::int AS "a_${a}"`).join(", ")}
         FROM reached r JOIN clients c ON c.id = r.client_id GROUP BY ROLLUP (r.country)
     ), money AS (
       SELECT p.country, count(*)::int AS loans, sum(l.amount_usd_cents)::bigint AS lent
         FROM loans l JOIN partners p ON p.id = l.partner_id WHERE l.status IN (${FUNDED}) GROUP BY ROLLUP (p.country)
     )
     SELECT coalesce(people.country, '') AS country, people.clients,
            ${[...GENDERS.map((g) => `people."g_${g}"`), ...AREAS.map((a) => `people."a_${a}"`)].join(", ")},
            coalesce(money.loans, 0) AS loans, coalesce(money.lent, 0)::text AS lent
       FROM people LEFT JOIN money ON money.country IS NOT DISTINCT FROM people.country`,
  )) as Raw[];
  const parsed: SocialRow[] = rows.map((r) => ({
    country: r.country as string,
    clients: Number(r.clients),
    genders: Object.fromEntries(GENDERS.map((g) => [g, Number(r[`g_${g}`])])) as SocialRow["genders"],
    areas: Object.fromEntries(AREAS.map((a) => [a, Number(r[`a_${a}`])])) as SocialRow["areas"],
    loans: Number(r.loans),
    lent: BigInt(r.lent as string),
  }));
  const platform = parsed.find((r) => r.country === "");
  const countries = parsed.filter((r) => r.country !== "");
  const hidden = suppressedChildren(countries.map((c) => ({ key: c.country, clients: c.clients })));
  // Each share among the countries as among the children of any node: the platform's count less the countries' shown
  // counts is the hidden countries' sum, which must not be 1 to 4 either (complementarySuppression).
  const own = new Map(countries.map((c) => [c.country, hidden.has(c.country) || c.clients < MIN_CLIENTS ? new Set<ShareName>() : sharesShown(c)]));
  const platformShares = platform && platform.clients >= MIN_CLIENTS ? sharesShown(platform) : new Set<ShareName>();
  for (const share of SHARES) {
    const extra = complementarySuppression(
      platform ? shareCount(platform, share) : 0,
      platformShares.has(share.name),
      countries.map((c) => ({ key: c.country, others: shareCount(c, share), shown: own.get(c.country)!.has(share.name) })),
    );
    for (const country of extra) own.get(country)!.delete(share.name);
  }
  const shown = (row: SocialRow | undefined, hide: boolean, shares: ReadonlySet<ShareName>): Shown<SocialFigures> =>
    !row || hide || row.clients < MIN_CLIENTS ? null : { clients: row.clients, value: socialFigures(row, shares) };
  return {
    /** Every client reached, however few: a count of people, not a figure about them. */
    reached: platform?.clients ?? 0,
    platform: shown(platform, false, platformShares),
    countries: countries
      .map((c) => ({ code: c.country, name: countryName(c.country), figures: shown(c, hidden.has(c.country), own.get(c.country)!) }))
      .sort((a, b) => a.name.localeCompare(b.name, "en")),
  };
}

export type PpiCell = Shown<{ rateBps: number }>;
export type PpiSeries = {
  scorecard: { id: string; title: string; version: string; country: string; isSample: boolean };
  povertyLine: string;
  countries: { code: string; name: string }[];
  /** Newest quarter first. */
  quarters: { quarter: string; platform: PpiCell; countries: Record<string, PpiCell> }[];
};

/**
 * Estimated poverty rates (mean PPI likelihood) from the rollups the database
 * keeps, at platform and country level only, per scorecard and poverty line,
 * for the last PPI_QUARTERS quarters that have any. Only clients with a live
 * ppi consent are in the rollups at all.
 */
export async function publicPpi(): Promise<PpiSeries[]> {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `WITH recent AS (
       SELECT scorecard_id, poverty_line, quarter,
              dense_rank() OVER (PARTITION BY scorecard_id, poverty_line ORDER BY quarter DESC) AS n
         FROM (SELECT DISTINCT scorecard_id, poverty_line, quarter FROM ppi_rollups WHERE level = 0 AND clients > 0) q
     )
     SELECT r.level, r.country, r.scorecard_id, r.poverty_line, to_char(r.quarter, 'YYYY-MM-DD') AS quarter,
            r.clients, r.likelihood_sum_bps::text AS likelihood,
            s.title, s.version, s.country AS scorecard_country, s.is_sample, array_position(s.poverty_lines, r.poverty_line) AS line_order
       FROM ppi_rollups r
       JOIN recent ON recent.scorecard_id = r.scorecard_id AND recent.poverty_line = r.poverty_line AND recent.quarter = r.quarter
            AND recent.n <= ${PPI_QUARTERS}
       JOIN ppi_scorecards s ON s.id = r.scorecard_id
      WHERE r.level IN (0, 1) AND r.clients > 0
      ORDER BY s.country, s.version DESC, line_order, r.quarter DESC`,
  )) as Raw[];
  const series = new Map<string, PpiSeries & { raw: Map<string, { platform?: Raw; countries: Raw[] }> }>();
  for (const r of rows) {
    const key = `${r.scorecard_id as string}\u0000${r.poverty_line as string}`;
    let s = series.get(key);
    if (!s) {
      s = {
        scorecard: {
          id: r.scorecard_id as string,
          title: r.title as string,
          version: r.version as string,
          country: r.scorecard_country as string,
          isSample: Boolean(r.is_sample),
        },
        povertyLine: r.poverty_line as string,
        countries: [],
        quarters: [],
        raw: new Map(),
      };
      series.set(key, s);
    }
    const quarter = r.quarter as string;
    const q = s.raw.get(quarter) ?? { countries: [] };
    if (Number(r.level) === 0) q.platform = r;
    else q.countries.push(r);
    s.raw.set(quarter, q);
  }
  const cell = (r: Raw | undefined, hide: boolean): PpiCell => {
    const clients = Number(r?.clients ?? 0);
    if (!r || hide || clients < MIN_CLIENTS) return null;
    return { clients, value: { rateBps: roundedMean(BigInt(r.likelihood as string), clients)! } };
  };
  return [...series.values()].map(({ raw, ...s }) => {
    const codes = new Set<string>();
    const quarters = [...raw.entries()]
      .sort(([a], [b]) => (a < b ? 1 : -1))
      .map(([quarter, q]) => {
        const hidden = suppressedChildren(q.countries.map((c) => ({ key: c.country as string, clients: Number(c.clients) })));
        const countries: Record<string, PpiCell> = {};
        for (const c of q.countries) {
          codes.add(c.country as string);
          countries[c.country as string] = cell(c, hidden.has(c.country as string));
        }
        return { quarter, platform: cell(q.platform, false), countries };
      });
    return {
      ...s,
      countries: [...codes].map((code) => ({ code, name: countryName(code) })).sort((a, b) => a.name.localeCompare(b.name, "en")),
      quarters,
    };
  });
}

/** A loan's reach as its pages state it (app/lib/impact-public.ts, reachSentence). */
export async function loanReach(loanId: string) {
  const db = await getDb();
  const loan = await db.loan.findUnique({
    where: { id: loanId },
    select: { status: true, clientId: true, expectedReach: true, realisedReach: true, amountUsdCents: true, principalRepaidUsdCents: true },
  });
  if (!loan) return null;
  return {
    status: loan.status,
    kind: loan.clientId ? ("individual" as const) : ("group" as const),
    expectedReach: loan.expectedReach,
    realisedReach: loan.realisedReach,
    amountUsdCents: loan.amountUsdCents,
    principalRepaidUsdCents: loan.principalRepaidUsdCents.toString(),
  };
}
