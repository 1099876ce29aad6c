// Loans as lenders and visitors see them. Client and group details pass
// through the consent check before they leave this module.
import { z } from "zod";
import type { LoanStatus } from "~/generated/prisma/enums.ts";
import { getDb } from "~/utils/db.server.ts";
import { combineForGroup, liveConsents, mayShow, visiblePlace, type LiveConsents, type Viewer } from "./consent.server.ts";
import { countryName } from "~/lib/places.ts";
import { PUBLIC_STATUSES } from "~/lib/loan-labels.ts";


export const PAGE_SIZE = 12;

export const loanListQuery = z.object({
  status: z.enum([...PUBLIC_STATUSES, "all"]).catch("fundraising"),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/)
    .transform((c) => c.toUpperCase())
    .optional()
    .catch(undefined),
  sector: z.string().max(60).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
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
  frequency: string;
  interestMethod: string;
  annualRateBps: number;
  graceInstalments: number;
  localCurrency: string;
  amountLocalMinor: bigint;
  fundraisingDeadline: Date | null;
  partner: { id: string; name: string; slug: string; country: string };
  client: { id: string; fullName: string; gender: string; region: string; village: string; story: string; photoFile: string | null } | null;
  group: {
    id: string;
    name: string;
    kind: string;
    region: string;
    village: string;
    story: string;
    members: { clientId: string }[];
  } | null;
};

const loanSelect = {
  id: true,
  reference: true,
  partnerId: true,
  status: true,
  amountUsdCents: true,
  purpose: true,
  sector: true,
  termMonths: true,
  frequency: true,
  interestMethod: true,
  annualRateBps: true,
  graceInstalments: true,
  localCurrency: true,
  amountLocalMinor: true,
  fundraisingDeadline: true,
  partner: { select: { id: true, name: true, slug: true, country: true } },
  client: { select: { id: true, fullName: true, gender: true, region: true, village: true, story: true, photoFile: true } },
  group: {
    select: {
      id: true,
      name: true,
      kind: true,
      region: true,
      village: true,
      story: true,
      members: { where: { leftAt: null }, select: { clientId: true } },
    },
  },
} as const;

/** What a viewer may see of a loan's borrower. */
export type BorrowerView = {
  kind: "individual" | "group";
  /** The name, or "A client of <partner> in <country>" without consent. */
  title: string;
  story: string | null;
  place: string;
  /** Only for individuals with a gender on record; gender is not identifying alone. */
  gender: string | null;
  memberCount: number | null;
  /** Only with a live photo consent. */
  photoUrl: string | null;
};

function borrowerView(loan: LoanRow, consents: Map<string, LiveConsents>, viewer: Viewer): BorrowerView {
  const country = countryName(loan.partner.country);
  const anonymous = `A client of ${loan.partner.name} in ${country}`;
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
      story: showStory && loan.group.story ? loan.group.story : null,
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
    story: showStory && client.story ? client.story : null,
    place: place.join(", "),
    gender: client.gender === "unspecified" ? null : client.gender,
    memberCount: null,
    photoUrl: client.photoFile && mayShow("photo", own, viewer, loan.partnerId) ? `/photos/${client.id}` : null,
  };
}

async function consentsForLoans(loans: LoanRow[]) {
  const ids: string[] = [];
  for (const loan of loans) {
    if (loan.client) ids.push(loan.client.id);
    if (loan.group) ids.push(...loan.group.members.map((m) => m.clientId));
  }
  return liveConsents(ids);
}

function present(loan: LoanRow, consents: Map<string, LiveConsents>, viewer: Viewer) {
  return {
    id: loan.id,
    reference: loan.reference,
    status: loan.status,
    amountUsdCents: loan.amountUsdCents,
    purpose: loan.purpose,
    sector: loan.sector,
    termMonths: loan.termMonths,
    frequency: loan.frequency,
    interestMethod: loan.interestMethod,
    annualRateBps: loan.annualRateBps,
    graceInstalments: loan.graceInstalments,
    localCurrency: loan.localCurrency,
    amountLocalMinor: loan.amountLocalMinor.toString(),
    fundraisingDeadline: loan.fundraisingDeadline?.toISOString() ?? null,
    partner: { ...loan.partner, countryName: countryName(loan.partner.country) },
    borrower: borrowerView(loan, consents, viewer),
  };
}
export type PublicLoan = ReturnType<typeof present>;

export async function listPublicLoans(query: LoanListQuery, viewer: Viewer) {
  const db = await getDb();
  const where = {
    status: query.status === "all" ? { in: [...PUBLIC_STATUSES] } : query.status,
    partner: { status: "active" as const, ...(query.country ? { country: query.country } : {}) },
    ...(query.sector ? { sector: query.sector } : {}),
  };
  const [total, rows] = await Promise.all([
    db.loan.count({ where }),
    db.loan.findMany({
      where,
      select: loanSelect,
      // The id breaks ties so pages never overlap or skip.
      orderBy: [{ fundraisingDeadline: { sort: "asc", nulls: "last" } }, { id: "asc" }],
      skip: (query.page - 1) * PAGE_SIZE,
      take: PAGE_SIZE,
    }),
  ]);
  const consents = await consentsForLoans(rows);
  return {
    total,
    pageCount: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    loans: rows.map((row) => present(row, consents, viewer)),
  };
}

export async function listFilterOptions() {
  const db = await getDb();
  const [countries, sectors] = await Promise.all([
    db.partner.findMany({ where: { status: "active" }, select: { country: true }, distinct: ["country"] }),
    db.loan.findMany({
      where: { status: { in: [...PUBLIC_STATUSES] } },
      select: { sector: true },
      distinct: ["sector"],
      orderBy: { sector: "asc" },
    }),
  ]);
  return {
    countries: countries
      .map((c) => ({ code: c.country, name: countryName(c.country) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    sectors: sectors.map((s) => s.sector),
  };
}

/** One loan, if the viewer may see it: public statuses for everyone, any status for its partner's staff and admins. */
export async function getLoanForViewer(id: string, viewer: Viewer) {
  const db = await getDb();
  const row = await db.loan.findUnique({ where: { id }, select: loanSelect });
  if (!row) return null;
  const isPublic = (PUBLIC_STATUSES as readonly string[]).includes(row.status);
  const isOwnStaff = viewer.isPlatformAdmin || viewer.partnerIds.includes(row.partnerId);
  if (!isPublic && !isOwnStaff) return null;
  const consents = await consentsForLoans([row]);
  return present(row, consents, viewer);
}
