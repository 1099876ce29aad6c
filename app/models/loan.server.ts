// Loans as lenders and visitors see them. Client and group details pass
// through the consent check before they leave this module.
import { z } from "zod";
import type { InterestMethod, LoanStatus, RepaymentFrequency } from "~/generated/prisma/enums.ts";
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
  publicRegionCondition,
  readableText,
  SAYS,
  visiblePlace,
  type LiveConsents,
  type TextPerson,
  type TextSubject,
  type Viewer,
} from "./consent.server.ts";
import { COUNTRY_CODES, countryName } from "~/lib/places.ts";
import { ScheduleError } from "~/lib/schedule.ts";
import { scheduleFor, scheduleView } from "./loan-request.server.ts";
import { partnerStats } from "./partner.server.ts";
import { FULLY_FUNDED_STATUSES, PUBLIC_STATUSES, SHARE_USD_CENTS, SORTS, type LoanSort } from "~/lib/loan-labels.ts";


export const PAGE_SIZE = 12;

// Every parameter is optional and a value that does not parse is dropped, so a
// hand-edited or stale URL still shows loans instead of an error.
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    // PostgreSQL text cannot hold a NUL byte; such a value is garbage, not a search.
    .refine((value) => !value.includes("\u0000"))
    .optional()
    .catch(undefined)
    .transform((value) => value || undefined);
// Digits only: an empty box in the GET form sends "", which must mean "any", not 0.
const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .catch(undefined);

export const loanListQuery = z.object({
  q: text(100),
  status: z.enum([...PUBLIC_STATUSES, "all"]).catch("fundraising"),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/)
    .transform((c) => c.toUpperCase())
    .optional()
    .catch(undefined),
  region: text(80),
  sector: text(60),
  gender: z.enum(["female", "male", "other"]).optional().catch(undefined),
  kind: z.enum(["individual", "group"]).optional().catch(undefined),
  partner: z.string().regex(/^[a-z0-9-]{1,80}$/).optional().catch(undefined),
  /** Partner track record: at least this many years on Mavuno. */
  years: whole(1, 50),
  /** Partner track record: at least this many loans posted. */
  posted: whole(1, 1_000_000),
  /** Term of at most this many months. */
  term: whole(1, 120),
  /** Amount left, in whole US dollars. */
  minLeft: whole(0, 10_000_000),
  maxLeft: whole(0, 10_000_000),
  /** Fundraising ends within this many days. */
  ends: whole(1, 365),
  sort: z.enum(SORTS).catch("ending"),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
}).transform((query) =>
  // "From $500 to $100" means between them.
  query.minLeft !== undefined && query.maxLeft !== undefined && query.minLeft > query.maxLeft
    ? { ...query, minLeft: query.maxLeft, maxLeft: query.minLeft }
    : query,
);
export type LoanListQuery = z.infer<typeof loanListQuery>;

type LoanRow = {
  id: string;
  reference: string;
  partnerId: string;
  status: LoanStatus;
  amountUsdCents: number;
  purpose: string;
  sector: string;
  termMonths: number;
  frequency: RepaymentFrequency;
  interestMethod: InterestMethod;
  annualRateBps: number;
  graceInstalments: number;
  localCurrency: string;
  amountLocalMinor: bigint;
  fundraisingDeadline: Date | null;
  listedAt: Date | null;
  sharesSold: number;
  lenderCount: number;
  disbursedAt: Date | null;
  partner: { id: string; name: string; slug: string; country: string; joinedAt: Date | null };
  client: { id: string; fullName: string; aliases: string[]; mates: TextPerson[]; gender: string; region: string; village: string; story: string; photoFile: string | null } | null;
  group: {
    id: string;
    name: string;
    kind: string;
    region: string;
    village: string;
    story: string;
    members: { clientId: string }[];
    /** Every member, current or past, as free text may name them. */
    people: TextPerson[];
  } | null;
};

// A page of loans in one statement: the loan, its partner, its borrower, a
// group's current members and the shares held in live basket reservations.
// PGlite pays for every round trip in JavaScript, so one query rather than one
// per relation is most of what keeps a page cheap.
function loanColumns(now: string) {
  return `l.id, l.reference, l.partner_id, l.status::text AS status, l.amount_usd_cents, l.purpose, l.sector,
    l.term_months, l.frequency::text AS frequency, l.interest_method::text AS interest_method, l.annual_rate_bps,
    l.grace_instalments, l.local_currency, l.amount_local_minor, l.fundraising_deadline, l.listed_at,
    l.shares_sold, l.lender_count, l.disbursed_at,
    p.name AS partner_name, p.slug AS partner_slug, p.country AS partner_country, p.joined_at AS partner_joined_at,
    c.id AS client_id, c.full_name AS client_name, c.gender::text AS client_gender, c.region AS client_region,
    c.village AS client_village, c.story AS client_story, c.photo_file AS client_photo, c.aliases AS client_aliases,
    CASE WHEN c.id IS NOT NULL THEN ${groupMatesSql("c.id")} END AS client_mates,
    g.id AS group_id, g.name AS group_name, g.kind::text AS group_kind, g.region AS group_region,
    g.village AS group_village, g.story AS group_story,
    ARRAY(SELECT m.client_id FROM group_members m WHERE m.group_id = g.id AND m.left_at IS NULL ORDER BY m.client_id) AS member_ids,
    ${groupPeopleSql("g.id")} AS member_people,
    (SELECT coalesce(sum(b.shares), 0)::int FROM basket_items b WHERE b.loan_id = l.id AND b.expires_at > ${now}) AS reserved_shares`;
}
const LOAN_JOINS = `FROM loans l JOIN partners p ON p.id = l.partner_id
  LEFT JOIN clients c ON c.id = l.client_id LEFT JOIN groups g ON g.id = l.group_id`;

type Raw = Record<string, unknown>;

function toLoanRow(r: Raw): LoanRow & { reservedShares: number } {
  return {
    id: r.id as string,
    reference: r.reference as string,
    partnerId: r.partner_id as string,
    status: r.status as LoanStatus,
    amountUsdCents: Number(r.amount_usd_cents),
    purpose: r.purpose as string,
    sector: r.sector as string,
    termMonths: Number(r.term_months),
    frequency: r.frequency as RepaymentFrequency,
    interestMethod: r.interest_method as InterestMethod,
    annualRateBps: Number(r.annual_rate_bps),
    graceInstalments: Number(r.grace_instalments),
    localCurrency: r.local_currency as string,
    amountLocalMinor: BigInt(r.amount_local_minor as bigint),
    fundraisingDeadline: (r.fundraising_deadline as Date | null) ?? null,
    listedAt: (r.listed_at as Date | null) ?? null,
    sharesSold: Number(r.shares_sold),
    lenderCount: Number(r.lender_count),
    disbursedAt: (r.disbursed_at as Date | null) ?? null,
    partner: {
      id: r.partner_id as string,
      name: r.partner_name as string,
      slug: r.partner_slug as string,
      country: r.partner_country as string,
      joinedAt: (r.partner_joined_at as Date | null) ?? null,
    },
    client: r.client_id
      ? {
          id: r.client_id as string,
          fullName: r.client_name as string,
          aliases: (r.client_aliases as string[] | null) ?? [],
          mates: groupPeopleFrom(r.client_mates as string | null),
          gender: r.client_gender as string,
          region: r.client_region as string,
          village: r.client_village as string,
          story: r.client_story as string,
          photoFile: (r.client_photo as string | null) ?? null,
        }
      : null,
    group: r.group_id
      ? {
          id: r.group_id as string,
          name: r.group_name as string,
          kind: r.group_kind as string,
          region: r.group_region as string,
          village: r.group_village as string,
          story: r.group_story as string,
          members: ((r.member_ids as string[] | null) ?? []).map((clientId) => ({ clientId })),
          people: groupPeopleFrom(r.member_people as string | null),
        }
      : null,
    reservedShares: Number(r.reserved_shares),
  };
}

/** What a viewer may see of a loan's borrower. */
export type BorrowerView = {
  kind: "individual" | "group";
  /** The name, or "A client of <partner> in <country>" without consent. */
  title: string;
  /** The story as the viewer may read it: names and places without a live consent replaced (consent.server.ts readableText). */
  story: string | null;
  /** What the loan is for, likewise. */
  purpose: string;
  place: string;
  /** Only for individuals with a gender on record; gender is not identifying alone. */
  gender: string | null;
  memberCount: number | null;
  /** Only with a live photo consent. */
  photoUrl: string | null;
};

/** Whom a loan's free texts may mention: its borrower, or its group and every member. */
function loanSubjects(loan: LoanRow, consents: Map<string, LiveConsents>): TextSubject[] {
  if (loan.group) {
    return groupSubjects({ ...loan.group, currentMemberIds: loan.group.members.map((m) => m.clientId), people: loan.group.people }, consents);
  }
  return loan.client ? clientSubjects(loan.client, SAYS.borrower, loan.client.mates, consents) : [];
}

function borrowerView(loan: LoanRow, consents: Map<string, LiveConsents>, viewer: Viewer): BorrowerView {
  const country = countryName(loan.partner.country);
  const anonymous = `A client of ${loan.partner.name} in ${country}`;
  const subjects = loanSubjects(loan, consents);
  const readable = (text: string) => readableText(text, subjects, viewer, loan.partnerId).text;
  const purpose = readable(loan.purpose);
  if (loan.group) {
    const memberIds = loan.group.members.map((m) => m.clientId);
    const combined = combineForGroup(memberIds, consents);
    const showStory = mayShow("story", combined, viewer, loan.partnerId);
    const place = visiblePlace(
      { country, region: loan.group.region, village: loan.group.village },
      combined,
      viewer,
      loan.partnerId,
    );
    return {
      kind: "group",
      title: showStory ? loan.group.name : `A group of ${loan.partner.name} in ${country}`,
      story: showStory && loan.group.story ? readable(loan.group.story) : null,
      purpose,
      place: place.join(", "),
      gender: null,
      memberCount: memberIds.length,
      photoUrl: null,
    };
  }
  const client = loan.client!;
  const own = consents.get(client.id);
  const showStory = mayShow("story", own, viewer, loan.partnerId);
  const showName = showStory && mayShow("name", own, viewer, loan.partnerId);
  const place = visiblePlace({ country, region: client.region, village: client.village }, own, viewer, loan.partnerId);
  return {
    kind: "individual",
    title: showName ? client.fullName : anonymous,
    story: showStory && client.story ? readable(client.story) : null,
    purpose,
    place: place.join(", "),
    gender: client.gender === "unspecified" ? null : client.gender,
    memberCount: null,
    photoUrl: client.photoFile && mayShow("photo", own, viewer, loan.partnerId) ? `/photos/${client.id}` : null,
  };
}

async function consentsForLoans(loans: LoanRow[]) {
  const ids: string[] = [];
  for (const loan of loans) {
    if (loan.client) ids.push(loan.client.id, ...loan.client.mates.map((m) => m.id));
    if (loan.group) ids.push(...loan.group.members.map((m) => m.clientId));
  }
  return liveConsents(ids);
}

/**
 * Raised and left, in US cents. Left also subtracts shares reserved in baskets
 * whose 45 minutes have not run out. Loans past fundraising raised it all,
 * whatever their counters say (loans listed before lending existed have none).
 */
function funding(loan: LoanRow, reservedShares: number) {
  const raised = FULLY_FUNDED_STATUSES.includes(loan.status) ? loan.amountUsdCents : Math.min(loan.amountUsdCents, loan.sharesSold * SHARE_USD_CENTS);
  const open = loan.status === "fundraising";
  const reserved = open ? Math.min(loan.amountUsdCents - raised, reservedShares * SHARE_USD_CENTS) : 0;
  return {
    raisedUsdCents: raised,
    reservedUsdCents: reserved,
    leftUsdCents: open ? loan.amountUsdCents - raised - reserved : 0,
    lenderCount: loan.lenderCount,
  };
}

function present(loan: LoanRow, consents: Map<string, LiveConsents>, viewer: Viewer, reservedShares: number) {
  const borrower = borrowerView(loan, consents, viewer);
  return {
    id: loan.id,
    reference: loan.reference,
    status: loan.status,
    amountUsdCents: loan.amountUsdCents,
    sector: loan.sector,
    termMonths: loan.termMonths,
    frequency: loan.frequency,
    interestMethod: loan.interestMethod,
    annualRateBps: loan.annualRateBps,
    graceInstalments: loan.graceInstalments,
    localCurrency: loan.localCurrency,
    amountLocalMinor: loan.amountLocalMinor.toString(),
    fundraisingDeadline: loan.fundraisingDeadline?.toISOString() ?? null,
    listedAt: loan.listedAt?.toISOString() ?? null,
    disbursedAt: loan.disbursedAt?.toISOString() ?? null,
    funding: funding(loan, reservedShares),
    partner: {
      id: loan.partner.id,
      name: loan.partner.name,
      slug: loan.partner.slug,
      country: loan.partner.country,
      countryName: countryName(loan.partner.country),
      joinedAt: loan.partner.joinedAt?.toISOString() ?? null,
    },
    borrower,
    // What the loan is for, as the viewer may read it.
    purpose: borrower.purpose,
  };
}
export type PublicLoan = ReturnType<typeof present>;

/** Positional parameters for one raw query: every value from the URL goes through here, never into the SQL text. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const PUBLIC_STATUS_LIST = PUBLIC_STATUSES.map((s) => `'${s}'`).join(", ");

// Each ends in the id, so equal keys keep one order and pages never overlap or
// skip; each matches an index on (status, key, id), read forwards or backwards.
const ORDER_BY: Record<LoanSort, string> = {
  ending: "l.fundraising_deadline ASC NULLS LAST, l.id ASC",
  left: "l.amount_left_cents ASC NULLS LAST, l.id ASC",
  newest: "l.listed_at DESC, l.id DESC",
  lenders: "l.lender_count DESC, l.id DESC",
};

function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Search words: up to six, each two characters or more (one letter would match almost everything). */
export function searchTerms(q: string | undefined): string[] {
  if (!q) return [];
  const words = q.toLowerCase().split(/\s+/).filter((w) => w.length >= 2);
  return [...new Set(words)].slice(0, 6);
}

function countriesNamed(term: string): string[] {
  return COUNTRY_CODES.filter((code) => countryName(code).toLowerCase().includes(term) || code.toLowerCase() === term);
}

const DAY_MS = 86_400_000;

/**
 * The search word is none of the loan's borrower's recorded names, aliases or
 * places (nor its group's, nor any member's): a purpose shows those only as its
 * consents allow (readableText), so a search must not find a loan by them.
 * Stricter than the page: a consented name is not searchable either.
 */
function notAboutBorrower(pattern: string): string {
  const person = (alias: string) =>
    `(${alias}.full_name ILIKE ${pattern} OR ${alias}.village ILIKE ${pattern} OR ${alias}.region ILIKE ${pattern} OR array_to_string(${alias}.aliases, ' ') ILIKE ${pattern})`;
  // Scalar subqueries, looked up per matching loan through keys: as NOT EXISTS the planner hashed every client in the
  // database against the word instead (100,000 loans: /loans?q=goats from ~100 ms to ~650 ms).
  return `(CASE WHEN l.client_id IS NOT NULL THEN
      (SELECT ${person("sc")} FROM clients sc WHERE sc.id = l.client_id) IS NOT TRUE
      AND (SELECT bool_or(${person("smate")}) FROM group_members sself JOIN group_members sm2 ON sm2.group_id = sself.group_id
        JOIN clients smate ON smate.id = sm2.client_id WHERE sself.client_id = l.client_id) IS NOT TRUE
    ELSE
      (SELECT sg.name ILIKE ${pattern} OR sg.village ILIKE ${pattern} OR sg.region ILIKE ${pattern} FROM groups sg WHERE sg.id = l.group_id) IS NOT TRUE
      AND (SELECT bool_or(${person("smc")}) FROM group_members sm JOIN clients smc ON smc.id = sm.client_id WHERE sm.group_id = l.group_id) IS NOT TRUE
    END)`;
}

/**
 * The SQL conditions for a query, on `loans l JOIN partners p`. Only what any
 * visitor may see is filtered or searched: purpose, sector, partner, country,
 * and a region only where the borrower agreed to show it. Names, stories and
 * villages are never read here.
 */
function conditions(query: LoanListQuery, params: Params, now: Date, regions: readonly string[]): string[] {
  const where = ["p.status = 'active'"];
  where.push(query.status === "all" ? `l.status IN (${PUBLIC_STATUS_LIST})` : `l.status = ${params.add(query.status)}::"LoanStatus"`);
  if (query.country) where.push(`p.country = ${params.add(query.country)}`);
  if (query.partner) where.push(`p.slug = ${params.add(query.partner)}`);
  if (query.years) where.push(`p.joined_at <= ${params.add(new Date(now.getTime() - query.years * 365.25 * DAY_MS))}`);
  if (query.posted) {
    // Counting stops at the threshold, and runs once per partner rather than once per loan.
    const n = params.add(query.posted);
    where.push(`p.id IN (SELECT pp.id FROM partners pp WHERE (SELECT count(*) FROM (SELECT 1 FROM loans x
      WHERE x.partner_id = pp.id AND x.status IN (${PUBLIC_STATUS_LIST}) LIMIT ${n}) AS posted) >= ${n})`);
  }
  if (query.sector) where.push(`l.sector = ${params.add(query.sector)}`);
  if (query.kind === "group") where.push("l.group_id IS NOT NULL");
  if (query.kind === "individual" || query.gender) where.push("l.client_id IS NOT NULL");
  if (query.gender) {
    where.push(`EXISTS (SELECT 1 FROM clients gc WHERE gc.id = l.client_id AND gc.gender = ${params.add(query.gender)}::"Gender")`);
  }
  if (query.term) where.push(`l.term_months <= ${params.add(query.term)}`);
  if (query.minLeft !== undefined) where.push(`l.amount_left_cents >= ${params.add(query.minLeft * 100)}`);
  if (query.maxLeft !== undefined) where.push(`l.amount_left_cents <= ${params.add(query.maxLeft * 100)}`);
  if (query.ends) {
    where.push(`l.fundraising_deadline > ${params.add(now)} AND l.fundraising_deadline <= ${params.add(new Date(now.getTime() + query.ends * DAY_MS))}`);
  }
  // A borrower's region is always one its partner serves (the client form allows no other), so asking the
  // partner first spares the per-loan consent check for every loan elsewhere.
  if (query.region) {
    const region = params.add(query.region);
    where.push(`${region} = ANY(p.regions)`, publicRegionCondition("l", (column) => `${column} = ${region}`));
  }
  for (const term of searchTerms(query.q)) {
    const pattern = params.add(containsPattern(term));
    const either = [`(l.purpose ILIKE ${pattern} AND ${notAboutBorrower(pattern)})`, `l.sector ILIKE ${pattern}`, `p.name ILIKE ${pattern}`];
    const countries = countriesNamed(term);
    if (countries.length) either.push(`p.country IN (SELECT jsonb_array_elements_text(${params.add(JSON.stringify(countries))}::jsonb))`);
    // Regions are named by partners; a word that names none needs no look at borrowers at all.
    const named = regions.filter((region) => region.toLowerCase().includes(term));
    if (named.length) {
      const list = params.add(JSON.stringify(named));
      const inList = (column: string) => `${column} IN (SELECT jsonb_array_elements_text(${list}::jsonb))`;
      either.push(`(p.regions && ARRAY(SELECT jsonb_array_elements_text(${list}::jsonb)) AND ${publicRegionCondition("l", inList)})`);
    }
    where.push(`(${either.join(" OR ")})`);
  }
  return where;
}

/** Every region an active partner serves. */
async function partnerRegions(): Promise<string[]> {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(`SELECT DISTINCT unnest(regions) AS region FROM partners WHERE status = 'active'`)) as { region: string }[];
  return rows.map((r) => r.region);
}

export async function listPublicLoans(query: LoanListQuery, viewer: Viewer, now = new Date()) {
  const db = await getDb();
  const params = new Params();
  const regions = searchTerms(query.q).length ? await partnerRegions() : [];
  const where = conditions(query, params, now, regions).join(" AND ");
  const whereValues = [...params.values];
  const columns = loanColumns(params.add(now));
  // The count rides along as a subquery evaluated once, saving a round trip.
  const pageOf = async (page: number) =>
    ((await db.$queryRawUnsafe(
      `SELECT ${columns}, (SELECT count(*)::int FROM loans l JOIN partners p ON p.id = l.partner_id WHERE ${where}) AS total
         ${LOAN_JOINS} WHERE ${where}
        ORDER BY ${ORDER_BY[query.sort]} LIMIT ${PAGE_SIZE} OFFSET ${(page - 1) * PAGE_SIZE}`,
      ...params.values,
    )) as Raw[]);
  let page = query.page;
  let raw = await pageOf(page);
  let total = raw.length ? Number(raw[0]!.total) : 0;
  if (!raw.length && page > 1) {
    // Past the end (an old link after loans were funded): show the last page.
    const counted = (await db.$queryRawUnsafe(`SELECT count(*)::int AS total FROM loans l JOIN partners p ON p.id = l.partner_id WHERE ${where}`, ...whereValues)) as Raw[];
    total = Number(counted[0]?.total ?? 0);
    page = Math.max(1, Math.ceil(total / PAGE_SIZE));
    if (total > 0) raw = await pageOf(page);
    else page = 1;
  }
  const rows = raw.map(toLoanRow);
  const consents = await consentsForLoans(rows);
  return {
    total,
    page,
    pageCount: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    loans: rows.map((row) => present(row, consents, viewer, row.reservedShares)),
  };
}

/**
 * What the filters offer: active partners, their countries and regions, and
 * the sectors of loans in the statuses asked for. Sectors are read by skipping
 * through the (status, sector, …) index, one probe per sector, however many loans there are.
 */
export async function listFilterOptions(query: Pick<LoanListQuery, "status" | "country" | "sector" | "region">) {
  const db = await getDb();
  const statuses = query.status === "all" ? [...PUBLIC_STATUSES] : [query.status];
  const [found] = (await db.$queryRawUnsafe(
    `SELECT
       (SELECT coalesce(json_agg(json_build_object('slug', slug, 'name', name, 'country', country, 'regions', regions) ORDER BY name), '[]'::json)
          FROM partners WHERE status = 'active') AS partners,
       (WITH RECURSIVE s(status, sector) AS (
          SELECT st, (SELECT min(x.sector) FROM loans x WHERE x.status = st)
            FROM (SELECT jsonb_array_elements_text($1::jsonb)::"LoanStatus" AS st) AS statuses
          UNION ALL
          SELECT s.status, (SELECT min(x.sector) FROM loans x WHERE x.status = s.status AND x.sector > s.sector) FROM s WHERE s.sector IS NOT NULL
        )
        SELECT coalesce(json_agg(DISTINCT sector), '[]'::json) FROM s WHERE sector IS NOT NULL) AS sectors`,
    JSON.stringify(statuses),
  )) as { partners: { slug: string; name: string; country: string; regions: string[] }[]; sectors: string[] }[];
  const partners = found?.partners ?? [];
  const sectorRows = (found?.sectors ?? []).map((sector) => ({ sector }));
  const byName = (a: string, b: string) => a.localeCompare(b, "en");
  const sectors = new Set(sectorRows.map((r) => r.sector));
  // A value from the URL stays selectable even when no loan has it any more.
  if (query.sector) sectors.add(query.sector);
  const countries = [...new Set(partners.map((p) => p.country))].map((code) => ({ code, name: countryName(code) })).sort((a, b) => byName(a.name, b.name));
  const regions = countries
    .filter((c) => !query.country || c.code === query.country)
    .map((c) => ({
      country: c.name,
      regions: [...new Set(partners.filter((p) => p.country === c.code).flatMap((p) => p.regions))].sort(byName),
    }))
    .filter((c) => c.regions.length > 0);
  if (query.region && !regions.some((c) => c.regions.includes(query.region!))) regions.push({ country: "Other", regions: [query.region] });
  return {
    countries,
    regions,
    sectors: [...sectors].sort(byName),
    partners: partners.map((p) => ({ slug: p.slug, name: p.name, countryName: countryName(p.country) })),
  };
}

/** One loan, if the viewer may see it: public statuses for everyone, any status for its partner's staff and admins. */
export async function getLoanForViewer(id: string, viewer: Viewer) {
  const db = await getDb();
  const raw = (await db.$queryRawUnsafe(`SELECT ${loanColumns("$2")} ${LOAN_JOINS} WHERE l.id = $1`, id, new Date())) as Raw[];
  if (!raw[0]) return null;
  const row = toLoanRow(raw[0]);
  const isPublic = (PUBLIC_STATUSES as readonly string[]).includes(row.status);
  const isOwnStaff = viewer.isPlatformAdmin || viewer.partnerIds.includes(row.partnerId);
  if (!isPublic && !isOwnStaff) return null;
  const consents = await consentsForLoans([row]);
  return present(row, consents, viewer, row.reservedShares);
}

/** What the viewer may see of these loans' borrowers, in one query whatever their number (lists of a lender's loans). */
export async function borrowerViews(loanIds: readonly string[], viewer: Viewer): Promise<Map<string, BorrowerView>> {
  if (loanIds.length === 0) return new Map();
  const db = await getDb();
  const raw = (await db.$queryRawUnsafe(
    `SELECT ${loanColumns("$2")} ${LOAN_JOINS} WHERE l.id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    JSON.stringify(loanIds),
    new Date(),
  )) as Raw[];
  const rows = raw.map(toLoanRow);
  const consents = await consentsForLoans(rows);
  return new Map(rows.map((row) => [row.id, borrowerView(row, consents, viewer)]));
}

const currencyNames = new Intl.DisplayNames(["en"], { type: "currency" });

/**
 * The loan page: the loan as the viewer may see it, its partner's track record,
 * and the borrower's repayment schedule from the disbursement date, or, before
 * disbursement, as it would run from the fundraising deadline.
 */
export async function getLoanPage(id: string, viewer: Viewer, now = new Date()) {
  const loan = await getLoanForViewer(id, viewer);
  if (!loan) return null;
  const stats = await partnerStats(loan.partner.id);
  const joined = loan.partner.joinedAt ? new Date(loan.partner.joinedAt) : null;
  const disbursedOn = new Date(loan.disbursedAt ?? loan.fundraisingDeadline ?? now);
  let schedule = null;
  try {
    schedule = scheduleView(scheduleFor({ ...loan, amountLocalMinor: BigInt(loan.amountLocalMinor) }, disbursedOn), loan.localCurrency);
  } catch (error) {
    // A loan whose terms no longer make a schedule (edited by hand) still has a page.
    if (!(error instanceof ScheduleError)) throw error;
  }
  return {
    loan,
    // Named here, not in the browser: Intl's names differ between runtimes and would not hydrate.
    currencyName: currencyNames.of(loan.localCurrency) ?? loan.localCurrency,
    trackRecord: {
      years: joined ? Math.max(0, (now.getTime() - joined.getTime()) / (365.25 * DAY_MS)) : null,
      loansPosted: stats.loansPosted,
    },
    schedule: schedule && { ...schedule, disbursedOn: disbursedOn.toISOString(), estimated: loan.disbursedAt === null },
  };
}
