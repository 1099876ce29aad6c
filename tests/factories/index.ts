// Factories shared by the tests and the demo seed (prisma/seed.ts): one way to
// make each kind of row, with sensible fictional defaults.
import crypto from "node:crypto";
import type { Db } from "~/utils/db.server.ts";
import type {
  ClientArea,
  ConsentPurpose,
  Gender,
  GroupKind,
  InterestMethod,
  LoanStatus,
  LocationGranularity,
  PartnerRole,
  PartnerStatus,
  RepaymentFrequency,
} from "~/generated/prisma/enums.ts";
import { hashPassword } from "~/utils/password.server.ts";
import { minorDigits } from "~/lib/money.ts";

const unique = () => crypto.randomBytes(5).toString("hex");

export async function makeUser(
  db: Db,
  input: { id?: string; email?: string; name?: string; password?: string; isPlatformAdmin?: boolean } = {},
) {
  const email = (input.email ?? `user-${unique()}@example.test`).toLowerCase();
  const data = {
    email,
    name: input.name ?? "Test User",
    passwordHash: await hashPassword(input.password ?? "correct-horse-battery"),
    isPlatformAdmin: input.isPlatformAdmin ?? false,
  };
  return db.user.upsert({ where: { email }, create: { ...(input.id ? { id: input.id } : {}), ...data }, update: {} });
}

export async function makePartner(
  db: Db,
  input: {
    id?: string;
    slug?: string;
    name?: string;
    country?: string;
    regions?: string[];
    status?: PartnerStatus;
    description?: string;
    /** null for a partner that has not been approved yet. */
    joinedAt?: Date | null;
    currency?: string;
    legalName?: string;
    appliedById?: string;
    contactName?: string;
    contactEmail?: string;
    contactPhone?: string;
    website?: string;
  } = {},
) {
  const slug = input.slug ?? `partner-${unique()}`;
  const name = input.name ?? `Partner ${slug}`;
  return db.partner.upsert({
    where: { slug },
    create: {
      ...(input.id ? { id: input.id } : {}),
      slug,
      name,
      legalName: input.legalName ?? `${name} Ltd`,
      country: input.country ?? "KE",
      regions: input.regions ?? ["Nairobi"],
      status: input.status ?? "active",
      description: input.description ?? "",
      contactEmail: input.contactEmail ?? `contact@${slug}.example`,
      joinedAt: input.joinedAt === undefined ? new Date() : input.joinedAt,
      currency: input.currency ?? "KES",
      appliedById: input.appliedById ?? null,
      contactName: input.contactName ?? "",
      contactPhone: input.contactPhone ?? "",
      website: input.website ?? "",
    },
    update: {},
  });
}

export async function makeMembership(db: Db, input: { userId: string; partnerId: string; role: PartnerRole }) {
  return db.partnerMembership.upsert({
    where: { userId_partnerId: { userId: input.userId, partnerId: input.partnerId } },
    create: input,
    update: {},
  });
}

export async function makeClient(
  db: Db,
  input: {
    id?: string;
    partnerId: string;
    fullName?: string;
    gender?: Gender;
    region?: string;
    village?: string;
    sector?: string;
    story?: string;
    area?: ClientArea;
  },
) {
  const id = input.id ?? `client-${unique()}`;
  return db.client.upsert({
    where: { id },
    create: {
      id,
      partnerId: input.partnerId,
      fullName: input.fullName ?? "Test Client",
      gender: input.gender ?? "female",
      region: input.region ?? "Nairobi",
      village: input.village ?? "Kibera",
      sector: input.sector ?? "Retail",
      story: input.story ?? "",
      area: input.area ?? "unknown",
    },
    update: {},
  });
}

export async function makeGroup(
  db: Db,
  input: {
    id?: string;
    partnerId: string;
    name?: string;
    kind?: GroupKind;
    region?: string;
    village?: string;
    sector?: string;
    story?: string;
    memberIds: string[];
  },
) {
  const id = input.id ?? `group-${unique()}`;
  const group = await db.group.upsert({
    where: { id },
    create: {
      id,
      partnerId: input.partnerId,
      name: input.name ?? "Test Savings Group",
      kind: input.kind ?? "savings_group",
      region: input.region ?? "Nairobi",
      village: input.village ?? "Kibera",
      sector: input.sector ?? "Agriculture",
      story: input.story ?? "",
    },
    update: {},
  });
  for (const clientId of input.memberIds) {
    await db.groupMember.upsert({
      where: { groupId_clientId: { groupId: id, clientId } },
      create: { groupId: id, clientId },
      update: {},
    });
  }
  return group;
}

export async function grantConsent(
  db: Db,
  input: {
    id?: string;
    clientId: string;
    purpose: ConsentPurpose;
    granularity?: LocationGranularity;
    recordedById?: string | null;
    evidence?: string;
  },
) {
  const id = input.id ?? `consent-${unique()}`;
  return db.consent.upsert({
    where: { id },
    create: {
      id,
      clientId: input.clientId,
      purpose: input.purpose,
      granularity: input.purpose === "location" ? (input.granularity ?? "region") : null,
      recordedById: input.recordedById ?? null,
      evidence: input.evidence ?? "Signed consent form, filed at the branch",
    },
    update: {},
  });
}

export async function makeLoan(
  db: Db,
  input: {
    id?: string;
    reference?: string;
    partnerId: string;
    clientId?: string;
    groupId?: string;
    status?: LoanStatus;
    amountUsdCents?: number;
    localCurrency?: string;
    fxRate?: string;
    purpose?: string;
    sector?: string;
    termMonths?: number;
    frequency?: RepaymentFrequency;
    interestMethod?: InterestMethod;
    annualRateBps?: number;
    graceInstalments?: number;
    fundraisingDeadline?: Date | null;
    listedAt?: Date | null;
  },
) {
  if (!input.clientId === !input.groupId) throw new Error("makeLoan: give exactly one of clientId or groupId");
  const reference = input.reference ?? `L-${unique().toUpperCase()}`;
  const amountUsdCents = input.amountUsdCents ?? 50_000;
  const fxRate = input.fxRate ?? "129.5";
  const localCurrency = input.localCurrency ?? "KES";
  // Local amount from the USD amount and the rate, in the local currency's own minor units.
  const amountLocalMinor = BigInt(Math.round((amountUsdCents * Number(fxRate) * 10 ** minorDigits(localCurrency)) / 100));
  const status = input.status ?? "fundraising";
  return db.loan.upsert({
    where: { reference },
    create: {
      ...(input.id ? { id: input.id } : {}),
      reference,
      partnerId: input.partnerId,
      clientId: input.clientId ?? null,
      groupId: input.groupId ?? null,
      status,
      amountUsdCents,
      localCurrency,
      amountLocalMinor,
      fxRate,
      purpose: input.purpose ?? "To buy stock for the shop",
      sector: input.sector ?? "Retail",
      termMonths: input.termMonths ?? 12,
      frequency: input.frequency ?? "monthly",
      interestMethod: input.interestMethod ?? "declining_balance",
      annualRateBps: input.annualRateBps ?? 2400,
      graceInstalments: input.graceInstalments ?? 0,
      fundraisingDeadline:
        input.fundraisingDeadline === undefined ? new Date(Date.now() + 30 * 86_400_000) : input.fundraisingDeadline,
      listedAt: input.listedAt === undefined ? (status === "draft" || status === "submitted" ? null : new Date()) : input.listedAt,
    },
    update: {},
  });
}
