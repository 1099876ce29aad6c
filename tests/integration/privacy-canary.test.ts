// The privacy canary (issue 8). Clients carry unique markers in their name,
// story and village: one with no consent at all, and one per single consent
// purpose. Their loans are funded by an investor, disbursed and partly repaid;
// they are surveyed and sit in groups. Then every page and CSV export each
// role can open is read through the real route loaders (what the page renders
// is what its loaders return), and each marker may appear only where that role
// and that client's consents allow. The list of pages is checked against
// app/routes, so a new route fails this test until it is crawled here or
// listed as showing no client data.
//
// Issue 16 adds a client whose free texts name her (see "The storyteller"
// below): her story, her loans' purposes and her group's offering are read on
// every page, CSV and email, and her names, nickname and village, and her group
// member's name, may appear only while the consent for each is live.
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ConsentPurpose } from "~/generated/prisma/enums.ts";
import { checkout, reserve } from "~/models/lending.server.ts";
import { recordDisbursement } from "~/models/loan-request.server.ts";
import { recordRepayment } from "~/models/repayment.server.ts";
import { savePhoto } from "~/models/client.server.ts";
import { getDb, type Db } from "~/utils/db.server.ts";
import { grantConsent, makeClient, makeGroup, makeLoan, makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { creditWallet } from "../factories/repayments.ts";
import { formRequest, getRequest, run, sessionCookieFor } from "../support/requests.ts";
import { smtpServerForFile } from "../support/smtp.ts";
import { rebuildSocialRollups } from "~/models/impact-social.server.ts";
import { recordConsent, revokeConsent } from "~/models/consent.server.ts";
import { notifyFunded } from "~/models/notifications.server.ts";
import { notifyLoanRepaid, sendArrearsEmails, sendWeeklyDigests } from "~/models/repayment-emails.server.ts";
import { sendEquityEmails } from "~/models/equity-emails.server.ts";
import { buyUnits, cancelInvestment } from "~/models/equity.server.ts";
import { DEFAULT_SETTINGS, runAutoLendFor, saveAutoLendSettings } from "~/models/auto-lend.server.ts";

const ROUTES_DIR = path.resolve(import.meta.dirname, "../../app/routes");

// --- Which route files are crawled, and which show no client data ----------

/** Crawled below, for the roles named in `crawl`. */
const CRAWLED = new Set([
  "root",
  "_index",
  "loans._index",
  "loans.$loanId",
  "partners.$slug",
  "offerings._index",
  "offerings.$offeringId",
  "invest.$offeringId",
  "impact._index",
  "photos.$clientId",
  "my.loans._index",
  "my.loans.$loanId",
  "my.loans[.]csv",
  "my.repayments[.]csv",
  "my.equity._index",
  "my.equity[.]csv",
  "wallet._index",
  "wallet.export[.]csv",
  "basket",
  "account",
  "portal._index",
  "portal.$partnerId",
  "portal.$partnerId._index",
  "portal.$partnerId.clients._index",
  "portal.$partnerId.clients.$clientId",
  "portal.$partnerId.groups._index",
  "portal.$partnerId.groups.$groupId",
  "portal.$partnerId.loans._index",
  "portal.$partnerId.loans.$loanId",
  "portal.$partnerId.arrears",
  "portal.$partnerId.clients.$clientId_.ppi",
  "portal.$partnerId.audit",
  "portal.$partnerId.audit[.]csv",
  "impact.portal",
  "impact.portal[.]csv",
  "admin._index",
  "admin.loans._index",
  "admin.loans.$loanId",
]);

/**
 * Routes this test does not read, each with the reason. A route that shows
 * client data to anyone but its own partner's staff and admins belongs in
 * CRAWLED instead.
 */
const NOT_CRAWLED: Record<string, string> = {
  $: "the not-found page",
  login: "a form",
  logout: "an action",
  signup: "a form",
  apply: "an organisation's own application",
  "invites.$token": "a staff invitation: the partner's name and the invited email",
  "checkout.$checkoutId": "the lender's own payment",
  "wallet.auto-lend": "the lender's own settings and decisions, by loan reference",
  "wallet.payments.$paymentId": "the lender's own card payment",
  "wallet.withdrawals.$withdrawalId": "the lender's own withdrawal",
  "webhooks.stripe": "Stripe's callback, no page",
  "statement._index": "a form for a client's access code",
  "statement.me": "the client's own statement, opened with their own access code",
  "invest.$offeringId_.card.$investmentId": "the investor's own card payment for units",
  "portal.$partnerId.clients.new": "a blank form for the partner's own staff",
  "portal.$partnerId.groups.new": "a form for the partner's own staff (its own clients)",
  "portal.$partnerId.loans.new": "a form for the partner's own staff (its own clients)",
  "portal.$partnerId.offerings._index": "the partner's own staff only (requireStaffPartner)",
  "portal.$partnerId.offerings.new": "the partner's own staff only (requireStaffPartner)",
  "portal.$partnerId.offerings.$offeringId": "the partner's own staff only (requireStaffPartner)",
  "portal.$partnerId.offering-reports.$offeringId": "the partner's own staff only (requireStaffPartner)",
  "portal.$partnerId.repayments.upload": "the partner's own staff only (requireStaffPartner)",
  "portal.$partnerId.repayments.uploads.$uploadId": "the partner's own staff only (requireStaffPartner)",
  "portal.$partnerId.staff": "staff accounts, no client data",
  "portal.$partnerId.public-text":
    "an action for the partner's own staff only (requireStaffPartner): the text they are writing as the public will read it; probed below",
  "admin.loans._index": "platform admins, who have client-level rights everywhere",
  "admin.offerings._index": "platform admins only",
  "admin.offerings.$offeringId": "platform admins only",
  "admin.offerings-overdue": "platform admins only",
  "admin.partners._index": "platform admins only",
  "admin.partners.$partnerId": "platform admins only",
  "admin.payments": "platform admins only",
  "admin.ppi._index": "platform admins only: PPI scorecards, no client data",
  "admin.ppi.$scorecardId": "platform admins only: a PPI scorecard, no client data",
};

// --- The world --------------------------------------------------------------

const SUFFIX = Math.random().toString(36).slice(2, 8);
/** One client per single consent, and one with none. Location twice: village and region. */
const KINDS = ["none", "story", "photo", "name", "location_village", "location_region", "ppi", "investor_drilldown", "peer_sites"] as const;
type Kind = (typeof KINDS)[number];
type Field = "NAME" | "STORY" | "VILLAGE";
const marker = (field: Field, who: string) => `CANARY-${field}-${who}-${SUFFIX}`;

// --- The storyteller (issue 16) ---------------------------------------------
//
// A client whose free texts name her, the way a loan officer writes them: her
// full name, her first name alone, in capitals and as a possessive, the
// nickname recorded as "also known as", her village, and the name of the other
// member of her savings group. Her markers are name-like words (a capital,
// then letters only: a digit would make them words the redaction does not
// treat as a name), unique to this run.

/** SUFFIX as letters only. */
const TAG = SUFFIX.replace(/[0-9]/g, (d) => "qrstuvwxyz"[Number(d)]!);
const TELLER = {
  first: `Zawadi${TAG}`,
  last: `Achieng${TAG}`,
  alias: `Mama${TAG}`,
  village: `Ndovu${TAG}`,
  memberFirst: `Wanjiru${TAG}`,
  memberLast: `Otieno${TAG}`,
  /** Shown: both members agreed to the group's story, which includes its name (ADR 005). */
  group: `Umoja${TAG} Fruit Sellers`,
};
/** Parts of her texts that name no one, so always shown where the text is: the proof a crawl reached it. */
const MARK = {
  story: `sweet-mangoes-${SUFFIX}`,
  groupStory: `tuesday-meeting-${SUFFIX}`,
  purpose: `mango-crates-${SUFFIX}`,
  title: `stall-cycle-${SUFFIX}`,
};
const TELLER_STORY =
  `${TELLER.first} ${TELLER.last} sells fruit at the market in ${TELLER.village} (${MARK.story}). Her neighbours call her ${TELLER.alias}. ` +
  `${TELLER.first} started with one basket; today the sign says ${TELLER.first.toUpperCase()} FRUITS, and ${TELLER.first}'s stall opens at six. ` +
  `She saves with ${TELLER.memberFirst} ${TELLER.memberLast} in their group.`;
const GROUP_STORY = `${TELLER.group} meets in ${TELLER.village} (${MARK.groupStory}). ${TELLER.memberFirst} keeps the books and ${TELLER.first} chairs the meetings.`;
/** Hidden at first: neither she nor the member agreed to show a name or a place. Any case: her story has her name in capitals. */
const HIDDEN_AT_FIRST = [TELLER.first, TELLER.last, TELLER.alias, TELLER.village, TELLER.memberFirst, TELLER.memberLast];
const DAY = 86_400_000;

type Teller = {
  client: string;
  member: string;
  group: string;
  offering: string;
  /** Loan references, which the emails carry. */
  references: { teller: string; teller_group: string; teller_auto: string };
};

/**
 * Her world, in partner A: she and the member (each with a `story` consent
 * only), their group, her loan (disbursed 100 days ago, so behind on its
 * repayments), the group's loan and the group's offering (both funded by the
 * funder), and a second loan of hers that the funder's auto-lending buys,
 * which sends the auto-lending summary and a funded email.
 */
async function tellerWorld(db: Db, input: { partnerId: string; officerId: string; funderId: string }): Promise<{ teller: Teller; loans: Record<string, string> }> {
  const { partnerId, officerId, funderId } = input;
  const client = await makeClient(db, { partnerId, fullName: `${TELLER.first} ${TELLER.last}`, story: TELLER_STORY, village: TELLER.village, sector: "Retail" });
  // makeClient takes no aliases: set here rather than widening the shared factory.
  await db.client.update({ where: { id: client.id }, data: { aliases: [TELLER.alias] } });
  const member = await makeClient(db, { partnerId, fullName: `${TELLER.memberFirst} ${TELLER.memberLast}`, village: TELLER.village, sector: "Retail" });
  for (const id of [client.id, member.id]) await grantConsent(db, { clientId: id, purpose: "story" });
  const group = await makeGroup(db, { partnerId, name: TELLER.group, story: GROUP_STORY, village: TELLER.village, memberIds: [client.id, member.id] });

  const terms = { partnerId, amountUsdCents: 2500, fxRate: "100", termMonths: 2, sector: "Retail" };
  const own = await makeLoan(db, { ...terms, clientId: client.id, purpose: `For ${TELLER.first}'s stall in ${TELLER.village}: ${MARK.purpose}` });
  const grouped = await makeLoan(db, { ...terms, groupId: group.id, purpose: `A cold box for ${TELLER.memberFirst} and ${TELLER.first}: ${MARK.purpose}` });
  // Open past the auto-lending run below (40 days on, once the credit has sat idle).
  const auto = await makeLoan(db, {
    ...terms,
    clientId: client.id,
    // Her loan, not the group's, naming the group member: emails and CSVs carry purposes, not stories.
    purpose: `${TELLER.alias}'s second stall in ${TELLER.village}, shared with ${TELLER.memberFirst}: ${MARK.purpose}`,
    fundraisingDeadline: new Date(Date.now() + 120 * DAY),
  });

  await creditWallet(funderId, 2n * 2500n + 10_000n);
  for (const loan of [own, grouped]) await reserve({ userId: funderId, loanId: loan.id, shares: 1 });
  expect((await checkout({ userId: funderId, requestKey: `canary-teller-${SUFFIX}`, tipCents: 0n })).status).toBe("completed");
  const longAgo = new Date(Date.now() - 100 * DAY);
  // recordDisbursement refuses a date before funding: funding back-dated too, as the repayment fixture does.
  await db.loan.update({ where: { id: own.id }, data: { fundedAt: longAgo } });
  await recordDisbursement(partnerId, own.id, officerId, longAgo);
  await recordDisbursement(partnerId, grouped.id, officerId, new Date());

  const now = Date.now();
  const offering = await db.offering.create({
    data: {
      reference: `EQ-CANARY-TELLER-${SUFFIX}`,
      partnerId,
      groupId: group.id,
      status: "listed",
      title: `${TELLER.first}'s fruit stall, 2027 cycle (${MARK.title})`,
      maxRaiseCents: 100_000n,
      minRaiseCents: 50_000n,
      unitPriceCents: 1_000n,
      profitShareBps: 2_000,
      capitalReturned: true,
      cycleStart: new Date(now + 10 * DAY),
      cycleEnd: new Date(now + 200 * DAY),
      fundraisingDeadline: new Date(now + 7 * DAY),
      perInvestorMaxUnits: 50,
      cancellationHours: 48,
      risks: `If ${TELLER.memberFirst} leaves ${TELLER.village}, the stall may close.`,
      listedAt: new Date(now),
    },
  });
  await buyUnits({ investorId: funderId, offeringId: offering.id, units: 2, requestKey: `canary-teller-units-${SUFFIX}` });

  // The funder's idle credit lends itself: the only fundraising loan in this database is her second one.
  await saveAutoLendSettings(funderId, { ...DEFAULT_SETTINGS, enabled: true, maxPartnerBps: 10_000, maxCountryBps: 10_000 });
  expect(await runAutoLendFor(funderId, { now: new Date(now + 40 * DAY) })).toMatchObject({ status: "lent", loanIds: [auto.id] });

  return {
    teller: {
      client: client.id,
      member: member.id,
      group: group.id,
      offering: offering.id,
      references: { teller: own.reference, teller_group: grouped.reference, teller_auto: auto.reference },
    },
    loans: { teller: own.id, teller_group: grouped.id, teller_auto: auto.id },
  };
}

type Ids = {
  partnerA: { id: string; slug: string };
  partnerB: { id: string; slug: string };
  clients: Record<Kind, string>;
  loans: Record<string, string>;
  groups: { mixed: string; consented: string };
  offerings: string[];
  teller: Teller;
  users: { officerA: string; funder: string };
};
let ids: Ids;
const cookies: Record<string, string | undefined> = {};
/** Every email the app sends while this file runs, through a real SMTP server (started before anything reads the environment). */
const smtp = smtpServerForFile();

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);

beforeAll(async () => {
  const db = await getDb();
  const partnerA = await makePartner(db, { country: "KE", regions: ["Nairobi"] });
  const partnerB = await makePartner(db, { country: "UG", currency: "UGX", regions: ["Gulu"] });
  const officerA = await makeUser(db, { name: "Officer A" });
  await makeMembership(db, { userId: officerA.id, partnerId: partnerA.id, role: "officer" });
  const partnerAdminA = await makeUser(db, { name: "Partner admin A" });
  await makeMembership(db, { userId: partnerAdminA.id, partnerId: partnerA.id, role: "admin" });
  const coordinatorA = await makeUser(db, { name: "Coordinator A" });
  await makeMembership(db, { userId: coordinatorA.id, partnerId: partnerA.id, role: "coordinator" });
  const officerB = await makeUser(db, { name: "Officer B" });
  await makeMembership(db, { userId: officerB.id, partnerId: partnerB.id, role: "officer" });
  const funder = await makeUser(db, { name: "Funding Investor" });
  const bystander = await makeUser(db, { name: "Other Investor" });
  const admin = await makeUser(db, { name: "Admin", isPlatformAdmin: true });

  const scorecard = await db.ppiScorecard.create({
    data: { country: "KE", version: `canary-${SUFFIX}`, title: "Canary scorecard", isSample: true, povertyLines: ["national"], questions: [], sourceFile: "test" },
  });
  await db.ppiLookup.createMany({ data: Array.from({ length: 101 }, (_, score) => ({ scorecardId: scorecard.id, povertyLine: "national", score, likelihoodBps: 5000 })) });

  const person = async (who: string, consents: { purpose: ConsentPurpose; granularity?: "village" | "region" }[]) => {
    const client = await makeClient(db, {
      partnerId: partnerA.id,
      fullName: marker("NAME", who),
      story: `My story: ${marker("STORY", who)}`,
      village: marker("VILLAGE", who),
      sector: "Retail",
    });
    for (const c of consents) await grantConsent(db, { clientId: client.id, purpose: c.purpose, ...(c.granularity ? { granularity: c.granularity } : {}) });
    await savePhoto(partnerA.id, client.id, PNG);
    await db.ppiSurvey.create({
      data: { clientId: client.id, partnerId: partnerA.id, scorecardId: scorecard.id, surveyedOn: new Date(), answers: {}, score: 40, requestKey: `canary-${client.id}` },
    });
    return client.id;
  };
  const clients = {} as Record<Kind, string>;
  for (const kind of KINDS) {
    const consents: { purpose: ConsentPurpose; granularity?: "village" | "region" }[] =
      kind === "none" ? [] : kind === "location_village" ? [{ purpose: "location", granularity: "village" }] : kind === "location_region" ? [{ purpose: "location", granularity: "region" }] : [{ purpose: kind }];
    clients[kind] = await person(kind, consents);
  }
  // Two more clients who agreed to everything public, to make a group that may be shown.
  const open1 = await person("open1", [{ purpose: "story" }, { purpose: "name" }, { purpose: "location", granularity: "village" }]);
  const open2 = await person("open2", [{ purpose: "story" }, { purpose: "name" }, { purpose: "location", granularity: "village" }]);
  const group = (who: string, memberIds: string[]) =>
    makeGroup(db, { partnerId: partnerA.id, name: marker("NAME", who), story: `Our story: ${marker("STORY", who)}`, village: marker("VILLAGE", who), memberIds });
  // A group with a member who agreed to nothing: nothing of the group may be shown.
  const mixed = await group("group_mixed", [clients.none, clients.story]);
  const consented = await group("group_open", [open1, open2]);

  // One share each, funded by the funder in one checkout, disbursed; two repaid in part.
  const loans: Record<string, string> = {};
  const borrowers: [string, { clientId?: string; groupId?: string }][] = [
    ...KINDS.map((k) => [k, { clientId: clients[k] }] as [string, { clientId: string }]),
    ["group_mixed", { groupId: mixed.id }],
    ["group_open", { groupId: consented.id }],
  ];
  for (const [key, borrower] of borrowers) {
    const loan = await makeLoan(db, { partnerId: partnerA.id, ...borrower, amountUsdCents: 2500, fxRate: "100", termMonths: 2, sector: "Retail" });
    loans[key] = loan.id;
  }
  await creditWallet(funder.id, BigInt(2500 * borrowers.length));
  for (const id of Object.values(loans)) await reserve({ userId: funder.id, loanId: id, shares: 1 });
  const result = await checkout({ userId: funder.id, requestKey: `canary-${SUFFIX}`, tipCents: 0n });
  expect(result.status).toBe("completed");
  for (const id of Object.values(loans)) await recordDisbursement(partnerA.id, id, officerA.id, new Date());
  for (const key of ["none", "group_mixed"]) {
    await recordRepayment({ partnerId: partnerA.id, loanId: loans[key]!, requestKey: `canary-pay-${key}`, paidOn: new Date(), localAmount: 100_000n, fxRate: "100" });
  }

  const told = await tellerWorld(db, { partnerId: partnerA.id, officerId: officerA.id, funderId: funder.id });
  Object.assign(loans, told.loans);

  // The impact portal reads social figures from their periodic rollups: rebuilt as the job would.
  await rebuildSocialRollups();

  // Listed micro-equity offerings: the mixed group's, and the enterprise of the client who agreed to nothing.
  const offerings: string[] = [];
  for (const owner of [{ groupId: mixed.id }, { clientId: clients.none }]) {
    const now = Date.now();
    const offering = await db.offering.create({
      data: {
        reference: `EQ-CANARY-${offerings.length}-${SUFFIX}`,
        partnerId: partnerA.id,
        ...owner,
        status: "listed",
        title: "Savings and enterprise, 2027 cycle",
        maxRaiseCents: 100_000n,
        minRaiseCents: 50_000n,
        unitPriceCents: 1_000n,
        profitShareBps: 2_000,
        capitalReturned: true,
        cycleStart: new Date(now + 10 * 86_400_000),
        cycleEnd: new Date(now + 200 * 86_400_000),
        fundraisingDeadline: new Date(now + 7 * 86_400_000),
        perInvestorMaxUnits: 50,
        cancellationHours: 48,
        risks: "The enterprise may make a loss.",
        listedAt: new Date(now),
      },
    });
    offerings.push(offering.id);
  }

  offerings.push(told.teller.offering);

  ids = {
    offerings,
    partnerA: { id: partnerA.id, slug: partnerA.slug },
    partnerB: { id: partnerB.id, slug: partnerB.slug },
    clients,
    loans,
    groups: { mixed: mixed.id, consented: consented.id },
    teller: told.teller,
    users: { officerA: officerA.id, funder: funder.id },
  };
  for (const [role, user] of Object.entries({ funder, bystander, officerA, partnerAdminA, coordinatorA, officerB, admin })) cookies[role] = await sessionCookieFor(user.id);
  cookies.public = undefined;
}, 120_000);

// --- Who may see what -------------------------------------------------------

type Role = "public" | "funder" | "bystander" | "officerB" | "officerA" | "partnerAdminA" | "coordinatorA" | "admin";
const OWN_STAFF: Role[] = ["officerA", "partnerAdminA", "coordinatorA", "admin"];

/** May `role` see this marker? Own staff and admins: everything. Everyone else: only what consents allow. */
function allowed(role: Role, who: string, field: Field): boolean {
  if (OWN_STAFF.includes(role)) return true;
  switch (who) {
    case "story":
      return field === "STORY";
    // Shown only beside a story (loan.server.ts borrowerView), and this client has none; allowed all the same.
    case "name":
      return field === "NAME";
    case "location_village":
      return field === "VILLAGE";
    case "investor_drilldown":
      // The funder may see this client's own data in the impact portal (when it lists clients).
      return role === "funder";
    case "open1":
    case "open2":
    case "group_open":
      return true;
    default:
      return false;
  }
}

const EVERY_WHO = [...KINDS, "open1", "open2", "group_mixed", "group_open"];

// --- Crawling ---------------------------------------------------------------

type Loaded = { role: Role; path: string; status: number; text: string };

type Fn = Parameters<typeof run>[0];
async function load(file: string, urlPath: string, params: Record<string, string>, cookie: string | undefined): Promise<{ status: number; text: string }> {
  const mod = (await import(/* @vite-ignore */ file === "root" ? path.resolve(ROUTES_DIR, "../root.tsx") : path.join(ROUTES_DIR, `${file}.tsx`))) as { loader?: Fn };
  if (!mod.loader) throw new Error(`${file} has no loader`);
  const res = await run(mod.loader, getRequest(urlPath, cookie), params);
  const type = res.headers.get("Content-Type") ?? "";
  const text = type.startsWith("image/") ? "" : await res.text();
  return { status: res.status, text };
}

/** The route files a URL runs (layouts first) and its params. */
function routeFor(urlPath: string): { files: string[]; params: Record<string, string> } {
  const [pathname] = urlPath.split("?");
  const parts = pathname!.split("/").filter(Boolean);
  const csv = (name: string) => `${name.replace(/\.csv$/, "")}[.]csv`;
  const [a, b, c, d] = parts;
  if (parts.length === 0) return { files: ["root", "_index"], params: {} };
  if (a === "loans") return b ? { files: ["root", "loans.$loanId"], params: { loanId: b } } : { files: ["root", "loans._index"], params: {} };
  if (a === "partners") return { files: ["root", "partners.$slug"], params: { slug: b! } };
  if (a === "offerings") return b ? { files: ["root", "offerings.$offeringId"], params: { offeringId: b } } : { files: ["root", "offerings._index"], params: {} };
  if (a === "invest") return { files: ["root", "invest.$offeringId"], params: { offeringId: b! } };
  if (a === "impact" && !b) return { files: ["root", "impact._index"], params: {} };
  if (a === "impact" && b === "portal") return { files: ["root", "impact.portal"], params: {} };
  if (a === "impact" && b === "portal.csv") return { files: ["impact.portal[.]csv"], params: {} };
  if (a === "photos") return { files: ["photos.$clientId"], params: { clientId: b! } };
  if (a === "my" && b?.endsWith(".csv")) return { files: [`my.${csv(b)}`], params: {} };
  if (a === "my" && b === "loans") return c ? { files: ["root", "my.loans.$loanId"], params: { loanId: c } } : { files: ["root", "my.loans._index"], params: {} };
  if (a === "my" && b === "equity") return { files: ["root", "my.equity._index"], params: {} };
  if (a === "wallet" && b === "export.csv") return { files: ["wallet.export[.]csv"], params: {} };
  if (a === "wallet") return { files: ["root", "wallet._index"], params: {} };
  if (a === "basket" || a === "account") return { files: ["root", a], params: {} };
  if (a === "portal" && !b) return { files: ["root", "portal._index"], params: {} };
  if (a === "portal") {
    const params: Record<string, string> = { partnerId: b! };
    const layout = ["root", "portal.$partnerId"];
    if (!c) return { files: [...layout, "portal.$partnerId._index"], params };
    if (c === "arrears") return { files: [...layout, "portal.$partnerId.arrears"], params };
    if (c === "audit") return { files: [...layout, "portal.$partnerId.audit"], params };
    if (c === "audit.csv") return { files: ["portal.$partnerId.audit[.]csv"], params };
    const single = { clients: "clientId", groups: "groupId", loans: "loanId" }[c];
    if (c === "clients" && d && parts[4] === "ppi") return { files: [...layout, "portal.$partnerId.clients.$clientId_.ppi"], params: { ...params, clientId: d } };
    if (single && d) return { files: [...layout, `portal.$partnerId.${c}.$${single}`], params: { ...params, [single]: d } };
    if (single) return { files: [...layout, `portal.$partnerId.${c}._index`], params };
  }
  if (a === "admin") {
    if (!b) return { files: ["root", "admin._index"], params: {} };
    if (b === "loans") return c ? { files: ["root", "admin.loans.$loanId"], params: { loanId: c } } : { files: ["root", "admin.loans._index"], params: {} };
  }
  throw new Error(`routeFor: no route for ${urlPath}`);
}

/** Every client and group of the world, the storyteller's included. */
const everyClientId = () => [...Object.values(ids.clients), ids.teller.client, ids.teller.member];
const everyGroupId = () => [ids.groups.mixed, ids.groups.consented, ids.teller.group];

function publicPaths(): string[] {
  return [
    "/",
    "/loans",
    "/loans?status=all",
    `/loans?status=all&partner=${ids.partnerA.slug}`,
    ...Object.values(ids.loans).map((id) => `/loans/${id}`),
    `/partners/${ids.partnerA.slug}`,
    "/offerings",
    ...ids.offerings.map((id) => `/offerings/${id}`),
    "/impact",
    "/impact?country=KE",
    `/impact?partner=${ids.partnerA.slug}`,
    "/impact?sector=Retail&country=KE",
    ...everyClientId().map((id) => `/photos/${id}`),
  ];
}

function investorPaths(): string[] {
  return ["/my/loans", "/my/loans.csv", "/my/repayments.csv", "/my/equity", "/my/equity.csv", "/wallet", "/wallet/export.csv", "/basket", "/account"];
}

const exists = (file: string) => fs.existsSync(path.join(ROUTES_DIR, `${file}.tsx`));

/**
 * The impact portal at every level down to each client, page and CSV, as far
 * as the route exists: the model decides what each viewer may see of a node
 * (docs/decisions/021-impact-portal-scoping-and-suppression.md); here only
 * what reaches the viewer counts.
 */
function impactPortalPaths(): string[] {
  if (!exists("impact.portal")) return [];
  const a = ids.partnerA.id;
  const nodes = [
    "",
    "?country=KE",
    "?country=KE&region=Nairobi",
    `?country=KE&region=Nairobi&partner=${a}`,
    ...everyGroupId().map((id) => `?country=KE&region=Nairobi&partner=${a}&group=${id}`),
    ...everyClientId().map((id) => `?country=KE&region=Nairobi&partner=${a}&client=${id}`),
    `?country=KE&region=Nairobi&partner=${a}&group=${ids.groups.mixed}&client=${ids.clients.none}`,
    `?country=KE&region=Nairobi&partner=${a}&group=${ids.groups.mixed}&client=${ids.clients.story}`,
    "?country=KE&area=rural",
    "?country=KE&gender=female&sector=Retail",
  ];
  return nodes.flatMap((q) => [`/impact/portal${q}`, ...(exists("impact.portal[.]csv") ? [`/impact/portal.csv${q}`] : [])]);
}

function portalPaths(partner: { id: string }): string[] {
  const p = `/portal/${partner.id}`;
  return [
    p,
    `${p}/clients`,
    `${p}/groups`,
    `${p}/loans`,
    `${p}/arrears`,
    ...(exists("portal.$partnerId.audit") ? [`${p}/audit`, `${p}/audit.csv`] : []),
    ...everyClientId().map((id) => `${p}/clients/${id}`),
    // Each client's PPI surveys, once the PPI pages are in the tree.
    ...(exists("portal.$partnerId.clients.$clientId_.ppi")
      ? everyClientId().map((id) => `${p}/clients/${id}/ppi`)
      : []),
    ...everyGroupId().map((id) => `${p}/groups/${id}`),
    ...Object.values(ids.loans).map((id) => `${p}/loans/${id}`),
  ];
}

/**
 * Every page a role opens, with the statuses it may answer: 200 where the role
 * belongs, a refusal (redirect to log in, 403, 404) where it does not. A 500,
 * or any other surprise, fails the test.
 */
function plan(role: Role): { path: string; expect: "ok" | "refused" | "any" }[] {
  const pages: { path: string; expect: "ok" | "refused" | "any" }[] = publicPaths().map((p) => ({
    path: p,
    // Photos: 200 or 404 depending on consent, checked on their own below.
    expect: p.startsWith("/photos/") ? "any" : "ok",
  }));
  const signedIn = role !== "public";
  for (const p of investorPaths()) pages.push({ path: p, expect: signedIn ? "ok" : "refused" });
  for (const id of Object.values(ids.loans)) pages.push({ path: `/my/loans/${id}`, expect: role === "funder" ? "ok" : "refused" });
  for (const id of ids.offerings) pages.push({ path: `/invest/${id}`, expect: signedIn ? "ok" : "refused" });
  for (const p of portalPaths(ids.partnerA)) {
    // A coordinator works with groups and clients, not every page; the audit trail is the partner admins'; platform admins
    // work in /admin. A refusal there is fine, a leak or a 500 is not.
    const own = role === "partnerAdminA" || (role === "officerA" && !p.includes("/audit"));
    const maybe = role === "coordinatorA" || role === "admin" || role === "officerA";
    pages.push({ path: p, expect: own ? "ok" : maybe ? "any" : "refused" });
  }
  if (role === "officerB") for (const p of portalPaths(ids.partnerB).slice(0, 5)) pages.push({ path: p, expect: "ok" });
  pages.push({ path: "/portal", expect: signedIn ? "any" : "refused" });
  // Who may open which node is the portal's rule; here: no leak and no error, whatever the answer.
  for (const p of impactPortalPaths()) pages.push({ path: p, expect: "any" });
  for (const p of ["/admin", "/admin/loans", ...Object.values(ids.loans).map((id) => `/admin/loans/${id}`)]) {
    pages.push({ path: p, expect: role === "admin" ? "ok" : "refused" });
  }
  return pages;
}

async function crawl(role: Role): Promise<Loaded[]> {
  const out: Loaded[] = [];
  for (const page of plan(role)) {
    const { files, params } = routeFor(page.path);
    // The page answers with the first refusal of its layouts and leaf, as Remix does.
    let pageStatus = 200;
    for (const file of files) {
      const { status, text } = await load(file, page.path, params, cookies[role]);
      expect(status, `${role} ${page.path} (${file}): ${status}\n${text.slice(0, 500)}`).toBeLessThan(500);
      out.push({ role, path: page.path, status, text });
      pageStatus = status;
      if (status !== 200) break;
    }
    const where = `${role} ${page.path}: ${pageStatus}`;
    if (page.expect === "ok") expect(pageStatus, where).toBe(200);
    if (page.expect === "refused") expect([302, 401, 403, 404], where).toContain(pageStatus);
  }
  return out;
}

const crawls = new Map<Role, Promise<Loaded[]>>();
/**
 * A role's crawl, once per file: the storyteller's tests read the same pages
 * as the tests above, in the same state (nothing is written between them), so
 * they check their markers in the same crawl rather than a second one.
 */
function crawlOnce(role: Role): Promise<Loaded[]> {
  if (!crawls.has(role)) crawls.set(role, crawl(role));
  return crawls.get(role)!;
}

function leaks(pages: Loaded[]): string[] {
  const found: string[] = [];
  for (const page of pages) {
    for (const who of EVERY_WHO) {
      for (const field of ["NAME", "STORY", "VILLAGE"] as const) {
        if (!allowed(page.role, who, field) && page.text.includes(marker(field, who))) {
          found.push(`${page.role} saw ${field} of "${who}" on ${page.path}`);
        }
      }
    }
  }
  return found;
}

const seen = (pages: Loaded[], field: Field, who: string) => pages.filter((p) => p.text.includes(marker(field, who))).map((p) => p.path);

// --- The tests --------------------------------------------------------------

describe("privacy canary", () => {
  it("every route file is crawled here or listed as showing no client data", () => {
    const files = fs
      .readdirSync(ROUTES_DIR)
      .filter((f) => /\.(tsx|ts)$/.test(f) && !/\.test\.tsx?$/.test(f))
      .map((f) => f.replace(/\.tsx?$/, ""));
    const unlisted = files.filter((f) => !CRAWLED.has(f) && !(f in NOT_CRAWLED));
    expect(unlisted, "route files this canary neither crawls nor lists as showing no client data").toEqual([]);
  });

  it("the public sees consented stories, names and villages only", async () => {
    const pages = await crawlOnce("public");
    expect(leaks(pages)).toEqual([]);
    // The crawl does reach the data: what is allowed is there.
    expect(seen(pages, "STORY", "story")).toEqual(expect.arrayContaining([`/loans/${ids.loans.story}`, "/impact"]));
    expect(seen(pages, "VILLAGE", "location_village")).toContain(`/loans/${ids.loans.location_village}`);
    expect(seen(pages, "NAME", "group_open")).toEqual(expect.arrayContaining([`/loans/${ids.loans.group_open}`, "/impact"]));
    expect(seen(pages, "STORY", "group_open")).toContain("/impact");
  });

  it("a photo is served to the public only with the photo consent", async () => {
    for (const kind of KINDS) {
      const { status } = await load("photos.$clientId", `/photos/${ids.clients[kind]}`, { clientId: ids.clients[kind] }, undefined);
      expect(status, kind).toBe(kind === "photo" ? 200 : 404);
    }
    const { status } = await load("photos.$clientId", `/photos/${ids.clients.none}`, { clientId: ids.clients.none }, cookies.officerA);
    expect(status).toBe(200);
  });

  it("a search for a marker the public may not see finds nothing", async () => {
    for (const who of EVERY_WHO) {
      for (const field of ["NAME", "STORY", "VILLAGE"] as const) {
        if (allowed("public", who, field)) continue;
        const { text } = await load("loans._index", `/loans?status=all&q=${marker(field, who)}`, {}, undefined);
        expect(JSON.parse(text).total, `search for ${field} of ${who}`).toBe(0);
      }
    }
  });

  it("the investor who funded the loans sees no more than consents allow, in pages and CSV files", async () => {
    const pages = await crawlOnce("funder");
    expect(leaks(pages)).toEqual([]);
    const csv = pages.find((p) => p.path === "/my/loans.csv")!;
    expect(csv.text.split("\n").length).toBeGreaterThan(KINDS.length);
    expect(seen(pages, "STORY", "story")).toContain(`/loans/${ids.loans.story}`);
  });

  it("an investor who funded nothing sees only public data", async () => {
    expect(leaks(await crawlOnce("bystander"))).toEqual([]);
  });

  it("another partner's staff see only public data, and are refused this partner's portal", async () => {
    expect(leaks(await crawlOnce("officerB"))).toEqual([]);
  });

  it("the partner's own staff and admins see their clients' records", async () => {
    for (const role of ["officerA", "partnerAdminA", "coordinatorA", "admin"] as const) {
      const pages = await crawl(role);
      if (role !== "officerA" && role !== "partnerAdminA") continue;
      for (const field of ["NAME", "STORY", "VILLAGE"] as const) {
        expect(seen(pages, field, "none"), `${role} ${field}`).toContain(`/portal/${ids.partnerA.id}/clients/${ids.clients.none}`);
      }
    }
  }, 120_000);
});

// --- The storyteller's tests (issue 16) ---------------------------------------

/** Each hidden word found in a page, in any case. */
function hiddenIn(pages: readonly { role: string; path: string; text: string }[], words: readonly string[]): string[] {
  const found = new Set<string>();
  for (const page of pages) {
    const text = page.text.toLowerCase();
    for (const word of words) if (text.includes(word.toLowerCase())) found.add(`${page.role} saw "${word}" on ${page.path}`);
  }
  return [...found];
}

/** One page's own loader (not its layouts), as `role` opens it: a fresh request, so what it shows is what the database says now. */
async function open(urlPath: string, role: Role): Promise<string> {
  const { files, params } = routeFor(urlPath);
  const { status, text } = await load(files.at(-1)!, urlPath, params, cookies[role]);
  expect(status, `${role} ${urlPath}`).toBe(200);
  return text;
}

/** The emails that arrive while `send` runs. Every send is awaited, and the server records a message before acknowledging it. */
async function mailsDuring(send: () => Promise<unknown>) {
  const before = smtp.received.length;
  await send();
  return smtp.received.slice(before);
}

const mailText = (m: { subject: string; text: string; html: string | null }) => `${m.subject}\n${m.text}\n${m.html ?? ""}`;

async function liveConsentId(clientId: string, purpose: ConsentPurpose): Promise<string> {
  const db = await getDb();
  return (await db.consent.findFirstOrThrow({ where: { clientId, purpose, revokedAt: null }, select: { id: true } })).id;
}

describe("privacy canary: a story that names its client (issue 16)", () => {
  it("no page or CSV outside her partner shows her names, nickname or village, or her group member's name; her texts are shown all the same", async () => {
    const herLoan = `/loans/${ids.loans.teller}`;
    for (const role of ["public", "funder", "bystander", "officerB"] as const) {
      const pages = await crawlOnce(role);
      // Soft: every role's findings are reported, not only the first.
      expect.soft(hiddenIn(pages, HIDDEN_AT_FIRST), role).toEqual([]);
      // The crawl reached her texts: what names no one is there.
      const where = (mark: string) => pages.filter((p) => p.text.includes(mark)).map((p) => p.path);
      expect.soft(where(MARK.story), role).toEqual(expect.arrayContaining([herLoan, "/impact"]));
      expect.soft(where(MARK.groupStory), role).toEqual(expect.arrayContaining([`/loans/${ids.loans.teller_group}`, "/impact"]));
      expect.soft(where(MARK.purpose), role).toEqual(expect.arrayContaining(["/loans?status=all", herLoan, `/loans/${ids.loans.teller_auto}`]));
      expect.soft(where(MARK.title), role).toEqual(expect.arrayContaining(["/offerings", `/offerings/${ids.teller.offering}`]));
      if (role === "funder") {
        expect.soft(where(MARK.purpose)).toEqual(expect.arrayContaining(["/my/loans", "/my/loans.csv", `/my/loans/${ids.loans.teller}`]));
        expect.soft(where(MARK.title)).toEqual(expect.arrayContaining(["/my/equity", "/my/equity.csv"]));
      }
    }
    // As the public reads it: each mention replaced by a neutral phrase, possessives kept.
    const page = await open(herLoan, "public");
    expect(page).toContain("The borrower sells fruit at the market in the village");
    expect(page).toContain("the sign says the borrower FRUITS, and the borrower's stall opens at six");
    expect(page).toContain("For the borrower's stall in the village");
  });

  it("her partner's staff and the platform's admins read her texts as written", async () => {
    for (const role of ["officerA", "admin"] as const) {
      const page = await open(`/loans/${ids.loans.teller}`, role);
      expect(page, role).toContain(TELLER_STORY);
    }
    const portal = await open(`/portal/${ids.partnerA.id}/clients/${ids.teller.client}`, "officerA");
    for (const word of [TELLER.first, TELLER.last, TELLER.alias, TELLER.village]) expect(portal).toContain(word);
  });

  it("the preview of a text as the public will read it is for her own partner's staff only, and reads as the public page does", async () => {
    const mod = (await import(/* @vite-ignore */ path.join(ROUTES_DIR, "portal.$partnerId.public-text.tsx"))) as { action: Fn };
    const preview = async (partnerId: string, role: Role) => {
      const fields = { about: `client:${ids.teller.client}`, as: "borrower", text: TELLER_STORY };
      const res = await run(mod.action, formRequest(`/portal/${partnerId}/public-text`, fields, cookies[role]), { partnerId });
      return { status: res.status, text: await res.text() };
    };
    // Another partner's staff: refused at partner A's address, and her id means nothing at their own.
    expect([302, 401, 403, 404]).toContain((await preview(ids.partnerA.id, "officerB")).status);
    expect((await preview(ids.partnerB.id, "officerB")).status).toBe(404);
    const own = await preview(ids.partnerA.id, "officerA");
    expect(own.status).toBe(200);
    const page = JSON.parse(await open(`/loans/${ids.loans.teller}`, "public")) as { loan: { borrower: { story: string } } };
    expect((JSON.parse(own.text) as { text: string }).text).toBe(page.loan.borrower.story);

    // A group not saved yet: its ticked members' names are hidden as their consents say, and so is a group name they have not all agreed to show.
    const fields = { about: "new-group", groupName: "Kisima Widows", village: TELLER.village, region: "Nairobi", text: `Kisima Widows meets in ${TELLER.village}; ${TELLER.memberFirst} keeps the box.` };
    const newGroup = formRequest(`/portal/${ids.partnerA.id}/public-text`, fields, cookies.officerA);
    const body = new URLSearchParams(fields);
    for (const id of [ids.teller.member, ids.clients.none]) body.append("member", id);
    const res = await run(mod.action, new Request(newGroup.url, { method: "POST", headers: newGroup.headers, body }), { partnerId: ids.partnerA.id });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { text: string }).text).toBe("The group meets in the village; a member keeps the box.");

    // Hostile input is a 400 naming the field, never a 500.
    const nul = new URLSearchParams({ ...fields, member: "a\u0000b" });
    const bad = await run(mod.action, new Request(newGroup.url, { method: "POST", headers: newGroup.headers, body: nul }), { partnerId: ids.partnerA.id });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("members");
    const headers = new Headers(newGroup.headers);
    headers.set("Content-Type", "application/json");
    const json = await run(mod.action, new Request(newGroup.url, { method: "POST", headers, body: "{}" }), { partnerId: ids.partnerA.id });
    expect(json.status).toBe(400);
  });

  it("the admin's offering review shows the title and risks as the public will read them beside each member's live consents", async () => {
    const file = path.join(ROUTES_DIR, "admin.offerings.$offeringId.tsx");
    const mod = (await import(/* @vite-ignore */ file)) as { loader: Fn };
    const res = await run(mod.loader, getRequest(`/admin/offerings/${ids.teller.offering}`, cookies.admin), { offeringId: ids.teller.offering });
    expect(res.status).toBe(200);
    const { reading } = (await res.json()) as {
      reading: { texts: Record<string, { text: string; hidden: string[] }>; consents: { who: string; role: string; live: string[] }[] };
    };
    // A group's offering: she is one of its members.
    expect(reading.texts.title!.text).toBe(`A member's fruit stall, 2027 cycle (${MARK.title})`);
    expect(reading.texts.title!.hidden).toContain(`${TELLER.first}'s`);
    expect(reading.texts.risks!.text).toBe("If a member leaves the village, the stall may close.");
    expect(reading.consents).toEqual(
      expect.arrayContaining([
        { who: `${TELLER.first} ${TELLER.last}`, role: "member", live: ["story"] },
        { who: `${TELLER.memberFirst} ${TELLER.memberLast}`, role: "member", live: ["story"] },
      ]),
    );
  });

  it("a search for her names, nickname or village, or her group member's name, finds nothing", async () => {
    const found: string[] = [];
    for (const word of HIDDEN_AT_FIRST) {
      const { text } = await load("loans._index", `/loans?status=all&q=${word}`, {}, undefined);
      const total = (JSON.parse(text) as { total: number }).total;
      if (total > 0) found.push(`a search for "${word}" found ${total}`);
    }
    expect(found).toEqual([]);
  });

  it("no email the app sends names her, her nickname, her village or her group member", async () => {
    const db = await getDb();
    const refs = ids.teller.references;
    const loanId = ids.loans.teller!;
    // Funded (the funder's checkout of her two loans), as a card checkout's completion sends it.
    await notifyFunded([loanId, ids.loans.teller_group!]);
    // Behind: her first instalment fell due about 70 days ago.
    expect((await sendArrearsEmails()).sent).toBeGreaterThan(0);
    // Repaid in full, at once, then in the week's digest.
    const due = await db.loanInstalment.findMany({ where: { loanId, version: 1 } });
    const total = due.reduce((sum, i) => sum + i.principal + i.interest, 0n);
    const paid = await recordRepayment({ partnerId: ids.partnerA.id, loanId, requestKey: `canary-teller-repaid-${SUFFIX}`, paidOn: new Date(), localAmount: total, fxRate: "100" });
    expect(paid.loanRepaid).toBe(true);
    expect((await notifyLoanRepaid(loanId)).sent).toBe(1);
    expect((await sendWeeklyDigests(new Date(Date.now() + 7 * DAY))).sent).toBeGreaterThan(0);
    // A unit of the group's offering bought and cancelled within the window: the refund email names the offering by its title.
    const bought = await buyUnits({ investorId: ids.users.funder, offeringId: ids.teller.offering, units: 1, requestKey: `canary-teller-cancel-${SUFFIX}` });
    await cancelInvestment({ investorId: ids.users.funder, investmentId: bought.investmentId });
    expect((await sendEquityEmails()).sent).toBeGreaterThan(0);

    // Every message of the file, the auto-lending run's in the world included.
    const mails = smtp.received;
    const one = (subject: RegExp) => {
      const found = mails.filter((m) => subject.test(m.subject));
      expect(found, `${subject}: ${mails.map((m) => m.subject).join("; ")}`).toHaveLength(1);
      return found[0]!;
    };
    const kinds = {
      funded: one(new RegExp(`^Loan ${refs.teller} is fully funded$`)),
      fundedGroup: one(new RegExp(`^Loan ${refs.teller_group} is fully funded$`)),
      fundedByAutoLending: one(new RegExp(`^Loan ${refs.teller_auto} is fully funded$`)),
      autoLending: one(/^Auto-lending lent \$25\.00 for you$/),
      behind: one(new RegExp(`^Loan ${refs.teller} is \\d+ days behind on its repayments$`)),
      repaid: one(new RegExp(`^Loan ${refs.teller} is repaid in full$`)),
      digest: one(/^Your repayments this week/),
      cancelled: one(/your unit cancelled/),
    };
    // Each carries her texts, as the public reads them.
    for (const [kind, mail] of Object.entries(kinds)) expect.soft(mailText(mail), kind).toContain(kind === "cancelled" ? MARK.title : MARK.purpose);
    expect(kinds.funded.text).toContain("For the borrower's stall in the village");
    expect(kinds.cancelled.subject).toContain("A member's fruit stall");

    const hits = mails.flatMap((m) =>
      hiddenIn([{ role: m.to, path: `the email "${m.subject}"`, text: mailText(m) }], HIDDEN_AT_FIRST),
    );
    expect(hits).toEqual([]);
  });

  it("her name and nickname show on the next request once she agrees, her village once she agrees to it, and both hide again on the next request once she withdraws", async () => {
    const herLoan = `/loans/${ids.loans.teller}`;
    const groupLoan = `/loans/${ids.loans.teller_group}`;
    const named = [`${TELLER.first} ${TELLER.last} sells fruit`, `${TELLER.first} started`, `says ${TELLER.first.toUpperCase()} FRUITS`, `${TELLER.first}'s stall`, `call her ${TELLER.alias}`];
    const client = ids.teller.client;
    const funded = async () => (await mailsDuring(() => notifyFunded([ids.loans.teller!]))).map(mailText).join("\n");

    await recordConsent(client, { purpose: "name", evidence: "Signed consent form, canary" }, ids.users.officerA);
    let page = await open(herLoan, "public");
    for (const text of named) expect(page).toContain(text);
    expect(page.toLowerCase()).not.toContain(TELLER.village.toLowerCase());
    // In the group's texts too (as a member), in the funder's CSV, and in the next email.
    expect(await open(groupLoan, "public")).toContain(`${TELLER.first} chairs the meetings`);
    expect(await open("/my/loans.csv", "funder")).toContain(`For ${TELLER.first}'s stall in the village`);
    expect(await funded()).toContain(`For ${TELLER.first}'s stall in the village`);

    await recordConsent(client, { purpose: "location", granularity: "village", evidence: "Signed consent form, canary" }, ids.users.officerA);
    page = await open(herLoan, "public");
    expect(page).toContain(`the market in ${TELLER.village}`);
    expect(page).toContain(`For ${TELLER.first}'s stall in ${TELLER.village}`);
    expect(await open("/impact", "public")).toContain(`the market in ${TELLER.village}`);

    await revokeConsent(client, await liveConsentId(client, "name"), "canary: withdrawn");
    page = await open(herLoan, "public");
    for (const word of [TELLER.first, TELLER.last, TELLER.alias]) expect(page.toLowerCase()).not.toContain(word.toLowerCase());
    expect(page).toContain(`the market in ${TELLER.village}`);
    expect(await open(groupLoan, "public")).not.toContain(TELLER.first);

    await revokeConsent(client, await liveConsentId(client, "location"), "canary: withdrawn");
    page = await open(herLoan, "public");
    for (const word of [TELLER.first, TELLER.last, TELLER.alias, TELLER.village]) expect(page.toLowerCase()).not.toContain(word.toLowerCase());
    expect(page).toContain(MARK.story);
    const lower = [await open("/impact", "public"), await open("/my/loans.csv", "funder"), await funded()].join("\n").toLowerCase();
    for (const word of [TELLER.first, TELLER.last, TELLER.alias, TELLER.village]) expect(lower).not.toContain(word.toLowerCase());
  });

  it("her group member's name shows only while the member agrees, and the group's story only while every member agrees to it", async () => {
    const groupLoan = `/loans/${ids.loans.teller_group}`;
    const offering = `/offerings/${ids.teller.offering}`;
    const member = ids.teller.member;
    const noMember = (text: string) => {
      for (const word of [TELLER.memberFirst, TELLER.memberLast]) expect(text.toLowerCase()).not.toContain(word.toLowerCase());
    };
    noMember(await open(groupLoan, "public"));
    noMember(await open(offering, "public"));
    expect(await open(groupLoan, "public")).toContain("A member keeps the books");

    await recordConsent(member, { purpose: "name", evidence: "Signed consent form, canary" }, ids.users.officerA);
    expect(await open(groupLoan, "public")).toContain(`${TELLER.memberFirst} keeps the books`);
    expect(await open(offering, "public")).toContain(`If ${TELLER.memberFirst} leaves`);
    expect(await open(`/loans/${ids.loans.teller}`, "public")).toContain(`She saves with ${TELLER.memberFirst} ${TELLER.memberLast}`);

    await revokeConsent(member, await liveConsentId(member, "name"), "canary: withdrawn");
    noMember(await open(groupLoan, "public"));
    noMember(await open(offering, "public"));

    // The member withdraws the story: the group's name and story go, on the loan, the offering and the impact page.
    await revokeConsent(member, await liveConsentId(member, "story"), "canary: withdrawn");
    for (const path of [groupLoan, offering, "/impact"]) {
      const text = await open(path, "public");
      expect(text, path).not.toContain(MARK.groupStory);
      expect(text, path).not.toContain(TELLER.group);
    }
    await recordConsent(member, { purpose: "story", evidence: "Signed consent form, canary" }, ids.users.officerA);
    expect(await open(groupLoan, "public")).toContain(MARK.groupStory);
  });
});
