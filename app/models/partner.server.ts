// Field partners: who they are, who works for them, and what lenders may see of them.
import { getDb } from "~/utils/db.server.ts";

/** The partner as its own staff see it in the portal header. */
export async function getPartnerForStaff(partnerId: string) {
  const db = await getDb();
  return db.partner.findUnique({
    where: { id: partnerId },
    select: { id: true, name: true, slug: true, country: true, regions: true, currency: true, status: true },
  });
}

const LISTED_STATUSES = ["fundraising", "funded", "paying_back", "repaid", "defaulted", "written_off", "expired"] as const;

/** Loans by status and what has been posted and raised, for the dashboard and the public profile. */
export async function partnerStats(partnerId: string) {
  const db = await getDb();
  const [byStatus, listed, clients, groups] = await Promise.all([
    db.loan.groupBy({ by: ["status"], where: { partnerId }, _count: { _all: true }, _sum: { amountUsdCents: true } }),
    db.loan.aggregate({ where: { partnerId, status: { in: [...LISTED_STATUSES] } }, _count: { _all: true }, _sum: { amountUsdCents: true } }),
    db.client.count({ where: { partnerId } }),
    db.group.count({ where: { partnerId } }),
  ]);
  const counts = Object.fromEntries(byStatus.map((s) => [s.status, { count: s._count._all, amountUsdCents: s._sum.amountUsdCents ?? 0 }]));
  // Raised = the loans that reached full funding; money in escrow comes with lending.
  const raisedStatuses = ["funded", "paying_back", "repaid", "defaulted", "written_off"];
  const raisedUsdCents = byStatus.filter((s) => raisedStatuses.includes(s.status)).reduce((a, s) => a + (s._sum.amountUsdCents ?? 0), 0);
  return {
    byStatus: counts as Record<string, { count: number; amountUsdCents: number }>,
    loansPosted: listed._count._all,
    amountPostedUsdCents: listed._sum.amountUsdCents ?? 0,
    raisedUsdCents,
    clients,
    groups,
  };
}

/** What lenders see of a partner: only active partners have a public profile. */
export async function getPublicPartner(slug: string) {
  const db = await getDb();
  const partner = await db.partner.findFirst({
    where: { slug, status: "active" },
    select: { id: true, slug: true, name: true, country: true, regions: true, description: true, website: true, joinedAt: true },
  });
  if (!partner) return null;
  return { partner, stats: await partnerStats(partner.id) };
}
