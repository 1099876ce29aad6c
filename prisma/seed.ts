// Demo data: three fictional field partners in three countries, their clients
// and groups, loans in every status, and log-ins for each role. Idempotent:
// every row has a fixed key, so running it again changes nothing.
// `--if-empty` seeds only a database with no users (what `npm run demo` uses).
import type { ConsentPurpose, Gender, LoanStatus } from "~/generated/prisma/enums.ts";
import { checkout, reserve, SHARE_CENTS } from "~/models/lending.server.ts";
import { recordDisbursement } from "~/models/loan-request.server.ts";
import { startTopUp, withdraw } from "~/models/payment.server.ts";
import { markDefaults, recordRepayment, writeOffLoan } from "~/models/repayment.server.ts";
import { donate } from "~/models/wallet.server.ts";
import { closeDb, getDb, type Db } from "~/utils/db.server.ts";
import { seedEquity } from "./seed-equity.ts";
import { seedImpact } from "./seed-impact.ts";
import { rebuildSocialRollups } from "~/models/impact-social.server.ts";
import { demoGateway } from "~/utils/payments.server.ts";
import {
  grantConsent,
  makeClient,
  makeGroup,
  makeLoan,
  makeMembership,
  makePartner,
  makeUser,
} from "../tests/factories/index.ts";

export const DEMO_PASSWORD = "mavuno-demo-2026";
export const DEMO_USERS = {
  admin: "admin@mavuno.test",
  lender: "lender@mavuno.test",
  officer: "officer@mavuno.test",
  partnerAdmin: "partner-admin@mavuno.test",
  coordinator: "coordinator@mavuno.test",
  applicant: "applicant@mavuno.test",
} as const;

// A small deterministic generator, so the demo is the same on every machine.
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Country = {
  slug: string;
  name: string;
  country: string;
  currency: string;
  fxRate: string;
  description: string;
  regions: { name: string; villages: string[] }[];
  women: string[];
  men: string[];
  surnames: string[];
  groupNames: string[];
};

const PARTNERS: Country[] = [
  {
    slug: "umoja-microfinance",
    name: "Umoja Microfinance",
    country: "KE",
    currency: "KES",
    fxRate: "129.50",
    description: "Group and individual loans for market traders and smallholder farmers in western and central Kenya.",
    regions: [
      { name: "Kisumu", villages: ["Kondele", "Nyamasaria", "Otonglo"] },
      { name: "Nakuru", villages: ["Bahati", "Njoro", "Rongai"] },
      { name: "Kiambu", villages: ["Githunguri", "Limuru", "Ruiru"] },
    ],
    women: ["Achieng", "Wanjiru", "Nafula", "Akinyi", "Wambui", "Chebet", "Atieno", "Nyokabi"],
    men: ["Otieno", "Kamau", "Kiprono", "Mwangi", "Ouma", "Njoroge"],
    surnames: ["Odhiambo", "Kariuki", "Wekesa", "Mutua", "Chepkoech", "Owino", "Gitau", "Langat"],
    groupNames: ["Tumaini Women's Group", "Upendo Savings Group", "Jitegemee Farmers"],
  },
  {
    slug: "tujenge-savings-trust",
    name: "Tujenge Savings Trust",
    country: "UG",
    currency: "UGX",
    fxRate: "3700",
    description: "An NGO that trains village savings groups and lends to their members in eastern and northern Uganda.",
    regions: [
      { name: "Eastern", villages: ["Bulambuli", "Namisindwa", "Kapchorwa"] },
      { name: "Northern", villages: ["Gulu", "Amuru", "Lira"] },
      { name: "Central", villages: ["Mukono", "Luwero", "Mityana"] },
    ],
    women: ["Nakato", "Akello", "Namubiru", "Apio", "Nabirye", "Auma", "Nansubuga", "Adong"],
    men: ["Okello", "Ssemakula", "Odongo", "Mugisha", "Opio", "Wasswa"],
    surnames: ["Namusoke", "Ocen", "Kintu", "Achola", "Mukasa", "Ayo", "Lubega", "Oryem"],
    groupNames: ["Twekembe Savings Group", "Kwagala Women's Circle", "Lacor Youth Savers"],
  },
  {
    slug: "bayanihan-credit",
    name: "Bayanihan Credit Cooperative",
    country: "PH",
    currency: "PHP",
    fxRate: "58.20",
    description: "A cooperative serving sari-sari store owners, fisherfolk and rice farmers across the Visayas and Mindanao.",
    regions: [
      { name: "Western Visayas", villages: ["Jaro", "Passi", "Roxas"] },
      { name: "Central Visayas", villages: ["Talisay", "Dumaguete", "Bogo"] },
      { name: "Northern Mindanao", villages: ["Malaybalay", "Gingoog", "Iligan"] },
    ],
    women: ["Maricel", "Rowena", "Jocelyn", "Analyn", "Divina", "Cherry", "Lorna", "Gemma"],
    men: ["Rogelio", "Danilo", "Arnel", "Jun", "Romeo", "Efren"],
    surnames: ["Dela Cruz", "Bautista", "Villanueva", "Ramos", "Mendoza", "Aquino", "Santos", "Reyes"],
    groupNames: ["Samahan ng Kababaihan", "Bagong Pag-asa Savers", "Tambayan Fisherfolk Group"],
  },
];

const SECTORS: { sector: string; purposes: string[] }[] = [
  { sector: "Retail", purposes: ["To buy more stock for the kiosk", "To add a refrigerator to the shop", "To stock school supplies before term starts"] },
  { sector: "Agriculture", purposes: ["To buy certified seed and fertiliser for the planting season", "To buy two dairy goats", "To build a drip irrigation line"] },
  { sector: "Food", purposes: ["To buy a second charcoal stove for the food stall", "To buy flour and oil in bulk", "To buy a chest freezer for fish"] },
  { sector: "Services", purposes: ["To buy a second sewing machine", "To repair the motorbike used for deliveries", "To buy hair-dressing equipment"] },
  { sector: "Housing", purposes: ["To replace a leaking roof with iron sheets", "To connect the house to clean water"] },
];

// Every status appears; fundraising ones are the most common, as on a live site.
const STATUS_PLAN: LoanStatus[] = [
  ...Array<LoanStatus>(14).fill("fundraising"),
  ...Array<LoanStatus>(4).fill("funded"),
  ...Array<LoanStatus>(8).fill("paying_back"),
  ...Array<LoanStatus>(6).fill("repaid"),
  ...Array<LoanStatus>(2).fill("defaulted"),
  ...Array<LoanStatus>(2).fill("written_off"),
  ...Array<LoanStatus>(3).fill("expired"),
  ...Array<LoanStatus>(2).fill("cancelled"),
  ...Array<LoanStatus>(3).fill("draft"),
  ...Array<LoanStatus>(3).fill("submitted"),
];

const DAY = 86_400_000;

/**
 * The demo lender's wallet history, made by the same functions the wallet page
 * calls. Always the demo gateway, whatever the environment: the seed never
 * charges a card. Fixed request keys make a second run a no-op.
 */
export async function seedWallet(userId: string) {
  const returnUrl = "http://localhost:3000/wallet";
  await startTopUp({ userId, amount: 10_000n, currency: "USD", requestKey: "seed:top-up-1", returnUrl }, demoGateway);
  await startTopUp({ userId, amount: 5_000n, currency: "USD", requestKey: "seed:top-up-2", returnUrl }, demoGateway);
  await donate({ userId, amount: 500n, requestKey: "seed:donation-1" });
  await withdraw({ userId, amount: 2_000n, currency: "USD", requestKey: "seed:withdrawal-1" }, demoGateway);
}

// Fortnightly meetings over the last six months, so group health has a trend.
// Keyed by id: a later run (on another day) adds nothing.
async function seedMeetings(db: Db, groupId: string, memberIds: string[], currency: string, now: number, seedNumber: number) {
  const random = rng(1000 + seedNumber);
  const unit = currency === "UGX" ? 1n : 100n;
  for (let k = 0; k < 12; k++) {
    const id = `seed-meeting-${groupId}-${k}`;
    if (await db.groupMeeting.findUnique({ where: { id }, select: { id: true } })) continue;
    const heldOn = new Date(now - (170 - k * 14) * DAY);
    heldOn.setUTCHours(0, 0, 0, 0);
    const perMember = currency === "UGX" ? 5000n : currency === "KES" ? 200n : 100n;
    const present = memberIds.filter(() => random() < 0.7 + k * 0.02);
    await db.groupMeeting.create({
      data: {
        id,
        groupId,
        heldOn,
        currency,
        savingsCollected: BigInt(present.length) * perMember * unit * BigInt(10 + k),
        loansOutstanding: perMember * unit * 400n,
        repaymentsCollected: perMember * unit * BigInt(20 + Math.floor(random() * 10)),
        attendance: { create: memberIds.map((clientId) => ({ clientId, present: present.includes(clientId) })) },
      },
    });
  }
}


/** Lenders who fund the demo's older loans beside the demo lender. */
const COMMUNITY_LENDERS = ["Ruth", "Kofi", "Maya", "Jonas", "Priya", "Tomás"];

/** Local currency units per US dollar, as a decimal string, `percent` weaker. */
function weakerRate(rate: string, percent: number): string {
  return (Number(rate) * (1 + percent / 100)).toFixed(4);
}

/**
 * A loan's life after fundraising, made through the same functions the site
 * uses: lenders buy its shares at checkout, the partner records the
 * disbursement and the repayments, the job marks a default, the partner writes
 * one off. Dates are set back so the schedule has a history. A loan already
 * past fundraising is left alone, so a second run changes nothing.
 */
async function seedLoanLife(
  db: Db,
  input: { loanId: string; partnerId: string; staffId: string; plan: LoanStatus; lenders: string[]; demoLenderId: string; late: boolean; fxWeaker: boolean; now: number },
) {
  const loan = await db.loan.findUniqueOrThrow({ where: { id: input.loanId } });
  if (loan.status !== "fundraising" || loan.sharesSold > 0) return;
  const total = loan.amountUsdCents / Number(SHARE_CENTS);
  // The demo lender holds two shares of most of these loans; community lenders the rest.
  const buyers: { userId: string; shares: number }[] = [];
  let left = total;
  if (input.lenders.length > 0) {
    const mine = Math.min(2, left);
    buyers.push({ userId: input.demoLenderId, shares: mine });
    left -= mine;
  }
  for (let k = 0; left > 0; k++) {
    const shares = k === 2 ? left : Math.min(left, Math.ceil(total / 3));
    buyers.push({ userId: input.lenders[k % input.lenders.length] ?? input.demoLenderId, shares });
    left -= shares;
  }
  for (const [k, buyer] of buyers.entries()) {
    await reserve({ userId: buyer.userId, loanId: loan.id, shares: buyer.shares });
    await checkout({ userId: buyer.userId, requestKey: `seed-checkout-${loan.id}-${k}`, tipCents: 0n });
  }

  const DAY_MS = DAY;
  const monthDays = Math.round(loan.termMonths * 30.4);
  const disbursedDaysAgo =
    input.plan === "funded" ? null : input.plan === "repaid" ? monthDays + 20 : input.plan === "paying_back" ? Math.max(45, Math.round(monthDays / 2)) : 330;
  const fundedAt = new Date(input.now - ((disbursedDaysAgo ?? 3) + 2) * DAY_MS);
  await db.loan.update({
    where: { id: loan.id },
    data: { fundedAt, fundraisingDeadline: new Date(fundedAt.getTime() + 5 * DAY_MS), listedAt: new Date(fundedAt.getTime() - 20 * DAY_MS) },
  });
  if (disbursedDaysAgo === null) return;
  const disbursedOn = new Date(input.now - disbursedDaysAgo * DAY_MS);
  await recordDisbursement(loan.partnerId, loan.id, input.staffId, disbursedOn);

  const instalments = await db.loanInstalment.findMany({ where: { loanId: loan.id, version: 1 }, orderBy: { number: "asc" } });
  const today = input.now;
  let due = instalments.filter((i) => i.dueOn.getTime() <= today);
  if (input.plan === "repaid") due = instalments;
  if (input.plan === "defaulted" || input.plan === "written_off") due = instalments.slice(0, 1);
  if (input.plan === "paying_back" && input.late) due = due.slice(0, -1);
  const rate = loan.fxRate.toString();
  for (const instalment of due) {
    const paidOn = new Date(Math.min(instalment.dueOn.getTime(), today));
    await recordRepayment({
      partnerId: input.partnerId,
      loanId: loan.id,
      requestKey: `seed-repayment-${loan.id}-${instalment.number}`,
      paidOn,
      localAmount: instalment.principal + instalment.interest,
      fxRate: input.fxWeaker ? weakerRate(rate, 2 + (instalment.number % 4)) : rate,
      recordedById: input.staffId,
      now: new Date(today),
    });
  }
  if (input.plan === "written_off") {
    await markDefaults(new Date(today));
    await writeOffLoan(input.partnerId, loan.id, input.staffId, { reason: "The borrower left the area; the partner has stopped collecting." });
  }
}

export async function seed(options: { ifEmpty?: boolean } = {}) {
  const db = await getDb();
  if (options.ifEmpty && (await db.user.count()) > 0) {
    console.log("seed: the database already has data; left as it is.");
    return { seeded: false };
  }
  const random = rng(20261122);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const now = Date.now();

  const admin = await makeUser(db, { id: "seed-user-admin", email: DEMO_USERS.admin, name: "Amina (platform admin)", password: DEMO_PASSWORD, isPlatformAdmin: true });
  const lender = await makeUser(db, { id: "seed-user-lender", email: DEMO_USERS.lender, name: "Lena Lender", password: DEMO_PASSWORD });
  await seedWallet(lender.id);
  // Credit for the shares the demo lender holds in the older loans below.
  await startTopUp({ userId: lender.id, amount: 150_000n, currency: "USD", requestKey: "seed:top-up-3", returnUrl: "http://localhost:3000/wallet" }, demoGateway);
  const community: string[] = [];
  for (const [k, name] of COMMUNITY_LENDERS.entries()) {
    const user = await makeUser(db, { id: `seed-user-community-${k + 1}`, email: `${name.toLowerCase().replace("á", "a")}@lenders.mavuno.test`, name: `${name} (community lender)`, password: DEMO_PASSWORD });
    await startTopUp({ userId: user.id, amount: 1_000_000n, currency: "USD", requestKey: "seed:community-top-up", returnUrl: "http://localhost:3000/wallet" }, demoGateway);
    community.push(user.id);
  }
  const lives: Parameters<typeof seedLoanLife>[1][] = [];
  const officer = await makeUser(db, { id: "seed-user-officer", email: DEMO_USERS.officer, name: "Otieno (loan officer)", password: DEMO_PASSWORD });
  const partnerAdmin = await makeUser(db, { id: "seed-user-partner-admin", email: DEMO_USERS.partnerAdmin, name: "Grace (partner admin)", password: DEMO_PASSWORD });
  const coordinator = await makeUser(db, { id: "seed-user-coordinator", email: DEMO_USERS.coordinator, name: "Cyrus (coordinator)", password: DEMO_PASSWORD });

  let loanNumber = 0;
  for (const [p, spec] of PARTNERS.entries()) {
    const partner = await makePartner(db, {
      id: `seed-partner-${p + 1}`,
      slug: spec.slug,
      name: spec.name,
      country: spec.country,
      regions: spec.regions.map((r) => r.name),
      description: spec.description,
      currency: spec.currency,
      joinedAt: new Date(now - (3 - p) * 400 * DAY),
    });
    if (p === 0) {
      await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
      await makeMembership(db, { userId: partnerAdmin.id, partnerId: partner.id, role: "admin" });
      await makeMembership(db, { userId: coordinator.id, partnerId: partner.id, role: "coordinator" });
    }

    let personCount = 0;
    const makePerson = async (key: string, groupRegion?: { name: string; villages: string[] }) => {
      const gender: Gender = random() < 0.72 ? "female" : "male";
      const region = groupRegion ?? pick(spec.regions);
      const first = pick(gender === "female" ? spec.women : spec.men);
      const surname = pick(spec.surnames);
      const fullName = `${first} ${surname}`;
      const { sector } = pick(SECTORS);
      const village = pick(region.villages);
      const years = 2 + Math.floor(random() * 12);
      const children = 1 + Math.floor(random() * 6);
      // Stories as officers write them: some name the client, some a nickname, some the village. The public reads
      // them through the consent check, so the demo shows names and places hidden where consent is missing.
      const variant = personCount++ % 4;
      const alias = `${gender === "female" ? "Mama" : "Baba"} ${surname}`;
      const story = [
        `${first} has run a small ${sector.toLowerCase()} business for ${years} years and supports ${children} children. ${first} wants to grow the business so the family has a steadier income through the dry months.`,
        `${fullName} has sold in ${village} for ${years} years. ${first}'s ${children} children help after school, and ${first} wants stock for the busy season.`,
        `Known in ${village} as ${alias}, ${first} has run a ${sector.toLowerCase()} business for ${years} years and supports ${children} children.`,
        `This ${sector.toLowerCase()} business has supported a family of ${children + 1} for ${years} years. The loan buys stock in bulk, which costs less.`,
      ][variant]!;
      const client = await makeClient(db, {
        id: `seed-client-${key}`,
        partnerId: partner.id,
        fullName,
        gender,
        region: region.name,
        village,
        sector,
        story,
      });
      if (variant === 2) await db.client.update({ where: { id: client.id }, data: { aliases: [alias] } });
      // Consent varies as it does in the field: most share their story, some share nothing.
      const roll = random();
      const purposes: ConsentPurpose[] =
        roll < 0.6 ? ["story", "name", "location", "ppi"] : roll < 0.8 ? ["story", "ppi"] : roll < 0.9 ? ["ppi"] : [];
      for (const purpose of purposes) {
        await grantConsent(db, {
          id: `seed-consent-${key}-${purpose}`,
          clientId: client.id,
          purpose,
          granularity: purpose === "location" ? (random() < 0.5 ? "region" : "village") : undefined,
          recordedById: p === 0 ? officer.id : admin.id,
          evidence: `Consent form ${key.toUpperCase()}-${purpose}, signed at enrolment`,
        });
      }
      return client;
    };

    // Two savings groups per partner, each with five to eight members.
    const groups = [];
    for (let g = 0; g < 2; g++) {
      const region = pick(spec.regions);
      const members = [];
      const size = 5 + Math.floor(random() * 4);
      for (let m = 0; m < size; m++) members.push(await makePerson(`p${p + 1}g${g + 1}m${m + 1}`, region));
      const village = pick(region.villages);
      const treasurer = members[0]!.fullName.split(" ")[0];
      groups.push(
        await makeGroup(db, {
          id: `seed-group-${p + 1}-${g + 1}`,
          partnerId: partner.id,
          name: spec.groupNames[g]!,
          kind: g === 0 ? "savings_group" : "self_help_group",
          region: region.name,
          village,
          sector: "Agriculture",
          story: `${spec.groupNames[g]} meets every week in ${village} to save together and lend to its members. ${treasurer}, the treasurer, keeps the box. The members want to buy inputs in bulk at planting time.`,
          memberIds: members.map((m) => m.id),
        }),
      );
      await seedMeetings(db, groups.at(-1)!.id, members.map((m) => m.id), spec.currency, now, p * 10 + g);
    }

    // Fifteen loans per partner: mostly individuals, some to groups.
    for (let i = 0; i < 15; i++) {
      loanNumber++;
      // Interleaved across partners so each one shows a spread of statuses.
      const status = STATUS_PLAN[(i * PARTNERS.length + p) % STATUS_PLAN.length]!;
      const forGroup = i % 5 === 4;
      const borrower = forGroup ? null : await makePerson(`p${p + 1}c${i + 1}`);
      // The loan is for the borrower's own line of business.
      const { sector, purposes } = SECTORS.find((s) => s.sector === borrower?.sector) ?? SECTORS[1]!;
      const deadline =
        status === "fundraising"
          ? new Date(now + (2 + Math.floor(random() * 28)) * DAY)
          : status === "draft" || status === "submitted"
            ? new Date(now + 30 * DAY)
            : new Date(now - (10 + Math.floor(random() * 300)) * DAY);
      const pastFundraising = ["funded", "paying_back", "repaid", "defaulted", "written_off"].includes(status);
      const loanId = `seed-loan-${String(loanNumber).padStart(3, "0")}`;
      if (pastFundraising) {
        lives.push({
          loanId,
          partnerId: partner.id,
          staffId: p === 0 ? officer.id : admin.id,
          plan: status,
          lenders: community.slice(loanNumber % 3, (loanNumber % 3) + 3),
          demoLenderId: lender.id,
          late: loanNumber % 3 === 0,
          fxWeaker: loanNumber % 2 === 0,
          now,
        });
      }
      await makeLoan(db, {
        id: loanId,
        reference: `MV-${spec.country}-${String(loanNumber).padStart(4, "0")}`,
        partnerId: partner.id,
        ...(forGroup ? { groupId: groups[i % 2]!.id } : { clientId: borrower!.id }),
        // Loans past fundraising start as fundraising and live their life below.
        status: pastFundraising ? "fundraising" : status,
        amountUsdCents: 2500 * (8 + Math.floor(random() * 72)),
        localCurrency: spec.currency,
        fxRate: spec.fxRate,
        purpose: forGroup ? "To buy seed and fertiliser in bulk for all members before the planting season" : pick(purposes),
        sector: forGroup ? "Agriculture" : sector,
        termMonths: pick([6, 8, 12, 14, 18]),
        frequency: forGroup ? "monthly" : pick(["weekly", "fortnightly", "monthly"] as const),
        interestMethod: random() < 0.6 ? "declining_balance" : "flat",
        annualRateBps: 1800 + Math.floor(random() * 18) * 100,
        graceInstalments: random() < 0.3 ? 1 : 0,
        fundraisingDeadline: pastFundraising ? new Date(now + 10 * DAY) : deadline,
        listedAt: status === "draft" || status === "submitted" ? null : new Date(deadline.getTime() - 30 * DAY),
      });
    }
  }
  for (const life of lives) await seedLoanLife(db, life);
  await markDefaults(new Date(now));
  await seedEquity(db, { partnerId: "seed-partner-1", groupId: "seed-group-1-1", officerId: officer.id, adminId: admin.id, investorIds: [lender.id, ...community.slice(0, 2)], now });
  // PPI scorecards (sample data), consents and six quarters of surveys; then the social indicators.
  await seedImpact(db);
  await rebuildSocialRollups();

  // One organisation waiting for review, so the admin's queue has something in it.
  const applicant = await makeUser(db, { id: "seed-user-applicant", email: DEMO_USERS.applicant, name: "Esther (partner applicant)", password: DEMO_PASSWORD });
  await makePartner(db, {
    id: "seed-partner-applied-1",
    slug: "mbale-womens-enterprise-fund",
    name: "Mbale Women's Enterprise Fund",
    legalName: "Mbale Women's Enterprise Fund Limited",
    country: "UG",
    currency: "UGX",
    regions: ["Mbale", "Tororo", "Sironko"],
    status: "applied",
    joinedAt: null,
    appliedById: applicant.id,
    contactName: "Esther Namono",
    contactEmail: DEMO_USERS.applicant,
    contactPhone: "+256 772 000 123",
    website: "https://mbale-wef.example",
    description: "A women-led NGO that trains village savings groups on the slopes of Mount Elgon and lends to their members for coffee, poultry and market stalls.",
  });

  const loans = await db.loan.count();
  console.log(`seed: ${PARTNERS.length} partners, ${loans} loans, demo log-ins ready (password ${DEMO_PASSWORD}).`);
  return { seeded: true };
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/").split("/").pop()!);
if (isMain) {
  try {
    await seed({ ifEmpty: process.argv.includes("--if-empty") });
    await closeDb();
    process.exit(0);
  } catch (error) {
    console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
    await closeDb().catch(() => {});
    process.exit(1);
  }
}
