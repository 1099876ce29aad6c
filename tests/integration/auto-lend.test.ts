// Auto-lending against a real database, the real checkout and a real SMTP
// server: it never runs unless the lender opted in, lends only credit that sat
// idle long enough, only to loans that fit every criterion, never past a cap,
// once per run however often the job fires, and the ledger stays clean.
import crypto from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { AUTO_SHARE_CENTS, criteriaMismatch, type AutoGender, type AutoLendSettings, type BorrowerKind } from "~/lib/auto-lend.ts";
import {
  DEFAULT_SETTINGS,
  exposureOf,
  getAutoLendSettings,
  listAutoLendDecisions,
  runAutoLendFor,
  saveAutoLendSettings,
} from "~/models/auto-lend.server.ts";
import { EXTERNAL_CARD, getBalance, postTransaction, verifyLedger, walletAccount } from "~/models/ledger.server.ts";
import { checkout, reserve } from "~/models/lending.server.ts";
import { recordDisbursement } from "~/models/loan-request.server.ts";
import { partnerTrackRecords, recordRepayment } from "~/models/repayment.server.ts";
import * as loansPage from "~/routes/loans._index.tsx";
import * as autoLendPage from "~/routes/wallet.auto-lend.tsx";
import { getDb } from "~/utils/db.server.ts";
import { runJobsOnce } from "~/utils/jobs.server.ts";
import { makeClient, makeGroup, makeLoan, makePartner, makeUser } from "../factories/index.ts";
import { formRequest, getRequest, run, sessionCookieFor } from "../support/requests.ts";
import { smtpServerForFile } from "../support/smtp.ts";

const smtp = smtpServerForFile();

const DAY = 86_400_000;
const START = new Date();
/** Late enough that credit posted while the tests set up has sat idle for 30 days. */
const LATER = new Date(START.getTime() + 40 * DAY);
const DEADLINE = new Date(START.getTime() + 120 * DAY);
const ALL_IN: Partial<AutoLendSettings> = { maxPartnerBps: 10_000, maxCountryBps: 10_000 };

type Fn = Parameters<typeof run>[0];

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    subset: <T>(items: readonly T[]): T[] => items.filter(() => next() < 0.5),
    chance: (p: number) => next() < p,
  };
}
const SEED = Number(process.env.AUTO_LEND_SEED ?? 20261122);

const tag = () => `S${crypto.randomBytes(4).toString("hex")}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function credit(userId: string, cents: bigint) {
  await postTransaction({
    idempotencyKey: `test-credit:${userId}:${crypto.randomUUID()}`,
    kind: "card_top_up",
    memo: "Added credit by card",
    postings: [
      { account: EXTERNAL_CARD, amount: -cents, currency: "USD" },
      { account: walletAccount(userId), amount: cents, currency: "USD" },
    ],
  });
}

async function lender(cents = 0n) {
  const user = await makeUser(await getDb());
  if (cents > 0n) await credit(user.id, cents);
  return user;
}

const balanceOf = (userId: string) => getBalance(walletAccount(userId), "USD");

async function optIn(userId: string, settings: Partial<AutoLendSettings>) {
  await saveAutoLendSettings(userId, { ...DEFAULT_SETTINGS, enabled: true, ...settings });
}

type LoanSpec = { sector: string; termMonths?: number; kind?: "individual" | "group"; gender?: AutoGender | "unspecified"; amountUsdCents?: number };

async function loanAt(partner: { id: string }, spec: LoanSpec) {
  const db = await getDb();
  const client = await makeClient(db, { partnerId: partner.id, gender: spec.gender ?? "female", sector: spec.sector });
  const group = spec.kind === "group" ? await makeGroup(db, { partnerId: partner.id, memberIds: [client.id], sector: spec.sector }) : null;
  return makeLoan(db, {
    partnerId: partner.id,
    ...(group ? { groupId: group.id } : { clientId: client.id }),
    sector: spec.sector,
    termMonths: spec.termMonths ?? 12,
    amountUsdCents: spec.amountUsdCents ?? 250_000,
    fundraisingDeadline: DEADLINE,
  });
}

async function sharesOf(userId: string) {
  const db = await getDb();
  return db.loanShare.findMany({ where: { lenderId: userId }, select: { loanId: true, shares: true, checkoutId: true } });
}

async function buy(userId: string, loanId: string, shares: number) {
  await reserve({ userId, loanId, shares });
  const done = await checkout({ userId, requestKey: `manual-${crypto.randomUUID()}`, tipCents: 0n });
  expect(done.status).toBe("completed");
}

// Settings outlive a test in the file's database: switch everyone off so the job in one test never runs another's lenders.
afterEach(async () => {
  const db = await getDb();
  await db.autoLendSetting.updateMany({ data: { enabled: false } });
});

describe("opting in", () => {
  it("never runs for a lender who did not opt in or who opted out; runs once they opt in", async () => {
    const sector = tag();
    const partner = await makePartner(await getDb());
    for (let i = 0; i < 3; i++) await loanAt(partner, { sector });
    const never = await lender(10_000n);
    const saidNo = await lender(10_000n);
    await saveAutoLendSettings(saidNo.id, { ...DEFAULT_SETTINGS, ...ALL_IN, sectors: [sector], enabled: false });
    const optedOut = await lender(10_000n);
    await optIn(optedOut.id, { ...ALL_IN, sectors: [sector] });
    await saveAutoLendSettings(optedOut.id, { ...(await getAutoLendSettings(optedOut.id)), enabled: false });

    await runJobsOnce(LATER);
    expect(await runAutoLendFor(never.id, { now: LATER })).toEqual({ status: "not_enabled" });
    for (const user of [never, saidNo, optedOut]) {
      expect(await balanceOf(user.id)).toBe(10_000n);
      expect(await sharesOf(user.id)).toEqual([]);
      expect(await listAutoLendDecisions(user.id)).toEqual([]);
    }

    // The same lender, opted in again: the job lends (so the setup above would have lent had it been allowed).
    await saveAutoLendSettings(optedOut.id, { ...(await getAutoLendSettings(optedOut.id)), enabled: true });
    await runJobsOnce(LATER);
    expect(await sharesOf(optedOut.id)).toHaveLength(3);
    // Out again: new idle credit the next day stays in the wallet.
    await saveAutoLendSettings(optedOut.id, { ...(await getAutoLendSettings(optedOut.id)), enabled: false });
    await loanAt(partner, { sector });
    await runJobsOnce(new Date(LATER.getTime() + 2 * DAY));
    expect(await sharesOf(optedOut.id)).toHaveLength(3);
    expect((await verifyLedger()).ok).toBe(true);
  });
});

describe("idle credit", () => {
  it("lends only credit that has sat in the wallet for the idle days, never credit that arrived since", async () => {
    const sector = tag();
    const partner = await makePartner(await getDb());
    for (let i = 0; i < 8; i++) await loanAt(partner, { sector });
    const user = await lender(6_000n); // $60 old credit
    await sleep(30);
    const cutoff = new Date();
    await sleep(30);
    await credit(user.id, 10_000n); // $100 that arrives after the cutoff
    await optIn(user.id, { ...ALL_IN, sectors: [sector], idleDays: 30 });

    // Ten days on, nothing has sat for thirty.
    const early = await runAutoLendFor(user.id, { now: new Date(START.getTime() + 10 * DAY) });
    expect(early.status).toBe("nothing_idle");
    expect(await balanceOf(user.id)).toBe(16_000n);

    // Thirty days after the cutoff only the $60 is idle: two $25 shares, and the $100 stays.
    const run = await runAutoLendFor(user.id, { now: new Date(cutoff.getTime() + 30 * DAY) });
    expect(run).toMatchObject({ status: "lent", amount: 5_000n });
    expect(await balanceOf(user.id)).toBe(11_000n);
    expect(await balanceOf(user.id)).toBeGreaterThanOrEqual(10_000n);
    const decisions = await listAutoLendDecisions(user.id);
    expect(decisions.filter((d) => d.outcome === "lent")).toHaveLength(2);
    expect(decisions.find((d) => d.outcome === "nothing_idle")?.reason).toMatch(/Idle credit \$0\.00 is less than one \$25 share\. Wallet balance \$160\.00; \$160\.00 arrived in the last 30 days/);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("counts every kind of credit that arrived, and never more than the balance", async () => {
    const sector = tag();
    const partner = await makePartner(await getDb());
    for (let i = 0; i < 4; i++) await loanAt(partner, { sector });
    const user = await lender(10_000n);
    // The lender spent most of it themselves: the idle part can be no more than what is left.
    const other = await loanAt(partner, { sector: tag() });
    await buy(user.id, other.id, 3);
    await optIn(user.id, { ...ALL_IN, sectors: [sector], idleDays: 1 });
    const run = await runAutoLendFor(user.id, { now: new Date(Date.now() + 2 * DAY) });
    expect(run).toMatchObject({ status: "lent", amount: 2_500n });
    expect(await balanceOf(user.id)).toBe(0n);
    expect((await verifyLedger()).ok).toBe(true);
  });
});

describe("criteria", () => {
  it("lends to exactly the loans that fit every criterion, for random criteria over random loans", async () => {
    const rng = random(SEED);
    const db = await getDb();
    const base = tag();
    const sectors = [`${base}-Agriculture`, `${base}-Retail`, `${base}-Food`];
    const partners = [
      await makePartner(db, { country: "KE" }),
      await makePartner(db, { country: "KE" }),
      await makePartner(db, { country: "UG" }),
      await makePartner(db, { country: "PH" }),
    ];
    // Track records: the first partner's borrowers paid what was due, the second's paid nothing, the others have no record yet.
    const [good, poor] = partners;
    for (const [partner, pays] of [[good!, true], [poor!, false]] as const) {
      const loan = await loanAt(partner, { sector: tag(), amountUsdCents: 2_500 });
      const backer = await lender(2_500n);
      await buy(backer.id, loan.id, 1);
      const staff = await makeUser(db);
      await recordDisbursement(partner.id, loan.id, staff.id, new Date());
      if (pays) {
        const first = await db.loanInstalment.findFirstOrThrow({ where: { loanId: loan.id, version: 1, number: 1 } });
        await recordRepayment({
          partnerId: partner.id,
          loanId: loan.id,
          requestKey: `test-${crypto.randomUUID()}`,
          paidOn: first.dueOn,
          localAmount: first.principal + first.interest,
          fxRate: loan.fxRate.toString(),
          now: LATER,
        });
      }
    }
    const records = await partnerTrackRecords(partners.map((p) => p.id), LATER);
    expect(records.get(good!.id)?.repaymentRateBps).toBe(10_000);
    expect(records.get(poor!.id)?.repaymentRateBps).toBe(0);

    for (let i = 0; i < 30; i++) {
      const kind = rng.pick(["individual", "group"] as const);
      await loanAt(rng.pick(partners), {
        sector: rng.pick(sectors),
        termMonths: rng.pick([6, 12, 18, 24]),
        kind,
        gender: rng.pick(["female", "male", "other", "unspecified"] as const),
        amountUsdCents: 250_000,
      });
    }

    // The oracle: every fundraising loan in the database, judged by the pure rule the query must agree with.
    async function expectedFor(userId: string, criteria: AutoLendSettings) {
      const rows = (await db.$queryRawUnsafe(
        `SELECT l.id, l.status::text AS status, l.fundraising_deadline, l.partner_id, p.country, l.sector, l.term_months,
                l.group_id, c.gender::text AS gender, l.amount_usd_cents / 2500 - l.shares_sold AS left
           FROM loans l JOIN partners p ON p.id = l.partner_id LEFT JOIN clients c ON c.id = l.client_id
          WHERE l.status = 'fundraising' AND p.status = 'active'
            AND NOT EXISTS (SELECT 1 FROM loan_shares s WHERE s.loan_id = l.id AND s.lender_id = $1)`,
        userId,
      )) as Record<string, unknown>[];
      const rates = await partnerTrackRecords([...new Set(rows.map((r) => r.partner_id as string))], LATER);
      return rows
        .filter((r) => Number(r.left) > 0)
        .filter(
          (r) =>
            criteriaMismatch(
              {
                status: r.status as string,
                fundraisingDeadline: r.fundraising_deadline as Date | null,
                country: String(r.country).trim(),
                sector: r.sector as string,
                termMonths: Number(r.term_months),
                kind: r.group_id ? "group" : "individual",
                gender: r.group_id ? null : (r.gender as string),
                partnerRepaymentBps: rates.get(r.partner_id as string)?.repaymentRateBps ?? null,
              },
              criteria,
              LATER,
            ) === null,
        )
        .map((r) => r.id as string)
        .sort();
    }

    let lentSomething = 0;
    let leftSomethingOut = 0;
    for (let i = 0; i < 10; i++) {
      const borrowerKind = rng.pick(["any", "individual", "group"] as const satisfies readonly BorrowerKind[]);
      const criteria: AutoLendSettings = {
        ...DEFAULT_SETTINGS,
        ...ALL_IN,
        enabled: true,
        countries: rng.subset(["KE", "UG", "PH"]),
        // Always one of this test's sectors, so it never takes loans the other tests made.
        sectors: rng.chance(0.3) ? sectors : rng.subset(sectors).concat(rng.pick(sectors)).filter((s, k, all) => all.indexOf(s) === k),
        genders: borrowerKind === "group" ? [] : rng.subset(["female", "male", "other"] as const),
        borrowerKind,
        minPartnerRepaymentBps: rng.pick([0, 0, 5_000, 9_900]),
        maxTermMonths: rng.pick([null, 6, 12, 18]),
      };
      const user = await lender(1_000_000n);
      await saveAutoLendSettings(user.id, criteria);
      const expected = await expectedFor(user.id, criteria);
      const result = await runAutoLendFor(user.id, { now: LATER });
      const lent = (await sharesOf(user.id)).map((s) => s.loanId).sort();
      expect(lent, `criteria ${JSON.stringify(criteria)} (seed ${SEED}), run ${JSON.stringify(result, (_, v) => (typeof v === "bigint" ? String(v) : v))}`).toEqual(expected);
      expect((await sharesOf(user.id)).every((s) => s.shares === 1)).toBe(true);
      if (lent.length > 0) lentSomething++;
      if (lent.length < 30) leftSomethingOut++;
    }
    expect(lentSomething).toBeGreaterThan(0);
    expect(leftSomethingOut).toBeGreaterThan(0);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("never takes a second share of a loan the lender already supports", async () => {
    const sector = tag();
    const partner = await makePartner(await getDb());
    const held = await loanAt(partner, { sector });
    const fresh = await loanAt(partner, { sector });
    const user = await lender(20_000n);
    await buy(user.id, held.id, 2);
    await optIn(user.id, { ...ALL_IN, sectors: [sector] });
    await runAutoLendFor(user.id, { now: LATER });
    const shares = await sharesOf(user.id);
    expect(shares.filter((s) => s.loanId === held.id)).toEqual([expect.objectContaining({ shares: 2 })]);
    expect(shares.filter((s) => s.loanId === fresh.id)).toEqual([expect.objectContaining({ shares: 1 })]);
  });
});

describe("diversification caps", () => {
  it("never puts more than the cap with one partner or in one country, over random portfolios", async () => {
    const rng = random(SEED + 1);
    const db = await getDb();
    const sector = tag();
    const countries = ["KE", "UG", "PH"];
    const partners = [];
    for (let i = 0; i < 6; i++) partners.push(await makePartner(db, { country: countries[i % 3] }));
    const pool = [];
    for (let i = 0; i < 14; i++) pool.push(await loanAt(rng.pick(partners), { sector }));
    const partnerOf = new Map(partners.map((p) => [p.id, p]));
    let lentRuns = 0;
    let capped = 0;
    for (let i = 0; i < 10; i++) {
      const user = await lender(0n);
      // An existing portfolio bought by hand: a few loans with several shares each, with random partners.
      for (let k = rng.int(0, 4); k > 0; k--) {
        const shares = rng.int(1, 6);
        await credit(user.id, BigInt(shares) * AUTO_SHARE_CENTS);
        await buy(user.id, (await loanAt(rng.pick(partners), { sector: tag() })).id, shares);
      }
      await credit(user.id, BigInt(rng.int(0, 12)) * AUTO_SHARE_CENTS + BigInt(rng.int(0, 2_499)));
      const caps = { maxPartnerBps: rng.int(10, 100) * 100, maxCountryBps: rng.int(20, 100) * 100 };
      await optIn(user.id, { ...caps, sectors: [sector] });

      const before = await exposureOf(user.id);
      const run = await runAutoLendFor(user.id, { now: LATER });
      const after = await exposureOf(user.id);
      const lentLoans = run.status === "lent" ? pool.filter((l) => run.loanIds.includes(l.id)) : [];
      expect(after.totalCents).toBe(before.totalCents + BigInt(lentLoans.length) * AUTO_SHARE_CENTS);
      for (const loan of lentLoans) {
        const country = partnerOf.get(loan.partnerId)!.country;
        const context = `lender ${i}, caps ${JSON.stringify(caps)} (seed ${SEED + 1})`;
        expect(after.byPartner.get(loan.partnerId)! * 10_000n, context).toBeLessThanOrEqual(BigInt(caps.maxPartnerBps) * after.totalCents);
        expect(after.byCountry.get(country)! * 10_000n, context).toBeLessThanOrEqual(BigInt(caps.maxCountryBps) * after.totalCents);
      }
      if (lentLoans.length > 0) lentRuns++;
      if ((await listAutoLendDecisions(user.id)).some((d) => /your cap per (field partner|country)/.test(d.reason))) capped++;
    }
    expect(lentRuns).toBeGreaterThan(0);
    expect(capped).toBeGreaterThan(0);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("a new lender's first run spreads over enough partners, or lends nothing", async () => {
    const db = await getDb();
    const sector = tag();
    const three = [await makePartner(db, { country: "KE" }), await makePartner(db, { country: "UG" }), await makePartner(db, { country: "PH" })];
    for (const p of three) await loanAt(p, { sector });
    const user = await lender(10_000n);
    await optIn(user.id, { sectors: [sector], maxPartnerBps: 2_500, maxCountryBps: 5_000 });
    expect((await runAutoLendFor(user.id, { now: LATER })).status).toBe("nothing_fits");
    expect(await balanceOf(user.id)).toBe(10_000n);
    const decisions = await listAutoLendDecisions(user.id);
    expect(decisions).toHaveLength(3);
    expect(decisions[0]!.reason).toMatch(/One more share would put 100% of your portfolio with .*; your cap per field partner is 25%\./);

    // A fourth partner in a fourth country: four shares, 25% each.
    await loanAt(await makePartner(db, { country: "TZ" }), { sector });
    const run = await runAutoLendFor(user.id, { now: new Date(LATER.getTime() + DAY) });
    expect(run).toMatchObject({ status: "lent", amount: 10_000n });
    expect(await balanceOf(user.id)).toBe(0n);
  });
});

describe("running twice", () => {
  it("a doubled job lends once, logs once and emails one summary", async () => {
    const sector = tag();
    const db = await getDb();
    const loans = [];
    for (const country of ["KE", "UG", "PH", "TZ", "RW"]) loans.push(await loanAt(await makePartner(db, { country }), { sector }));
    const user = await lender(10_000n);
    await optIn(user.id, { ...ALL_IN, sectors: [sector] });

    const [first, second] = await Promise.all([runJobsOnce(LATER), runJobsOnce(LATER)]);
    expect(first.autoLent + second.autoLent).toBe(1);
    await runJobsOnce(new Date(LATER.getTime() + 60_000));
    expect(await runAutoLendFor(user.id, { now: LATER })).toEqual({ status: "already_ran" });

    const shares = await sharesOf(user.id);
    expect(shares).toHaveLength(4);
    expect(new Set(shares.map((s) => s.checkoutId)).size).toBe(1);
    expect(await balanceOf(user.id)).toBe(0n);
    const decisions = await listAutoLendDecisions(user.id);
    expect(decisions.filter((d) => d.outcome === "lent")).toHaveLength(4);
    expect(decisions.filter((d) => d.outcome === "skipped")).toHaveLength(1);

    const mail = await smtp.waitFor((m) => m.to.includes(user.email) && /Auto-lending lent/.test(m.subject));
    expect(mail.subject).toBe("Auto-lending lent $100.00 for you");
    for (const loan of loans.slice(0, 4)) expect(mail.text).toContain(loan.reference);
    expect(mail.text).toContain("Your wallet now holds $0.00");
    await sleep(200);
    expect(smtp.received.filter((m) => m.to.includes(user.email))).toHaveLength(1);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("two runs of the same lender at once, bypassing the job's daily claim, still buy each share once", async () => {
    const sector = tag();
    const db = await getDb();
    for (const country of ["KE", "UG", "PH"]) await loanAt(await makePartner(db, { country }), { sector });
    const user = await lender(7_500n);
    await optIn(user.id, { ...ALL_IN, sectors: [sector] });
    const runs = await Promise.all([runAutoLendFor(user.id, { now: LATER }), runAutoLendFor(user.id, { now: LATER })]);
    expect(runs.filter((r) => r.status === "lent")).toHaveLength(1);
    expect(await sharesOf(user.id)).toHaveLength(3);
    expect(await balanceOf(user.id)).toBe(0n);
    expect(await db.basketItem.count({ where: { userId: user.id } })).toBe(0);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("leaves a basket the lender is filling alone", async () => {
    const sector = tag();
    const partner = await makePartner(await getDb());
    const mine = await loanAt(partner, { sector: tag() });
    await loanAt(partner, { sector });
    const user = await lender(10_000n);
    await reserve({ userId: user.id, loanId: mine.id, shares: 2, now: LATER });
    await optIn(user.id, { ...ALL_IN, sectors: [sector] });
    expect((await runAutoLendFor(user.id, { now: LATER })).status).toBe("basket_in_use");
    expect(await balanceOf(user.id)).toBe(10_000n);
    expect(await sharesOf(user.id)).toEqual([]);
  });
});

describe("the settings page", () => {
  const L = autoLendPage.loader as Fn;
  const A = autoLendPage.action as Fn;
  const valid = {
    enabled: "on",
    borrowerKind: "individual",
    minPartnerRepayment: "",
    maxTermMonths: "18",
    idleDays: "14",
    maxPartnerPercent: "30",
    maxCountryPercent: "60",
  };

  it("asks for a log-in, refuses bad input field by field saving nothing, saves good input and shows the log", async () => {
    expect((await run(L, getRequest("/wallet/auto-lend"))).headers.get("Location")).toBe("/login?redirectTo=%2Fwallet%2Fauto-lend");
    const user = await lender(5_000n);
    const cookie = await sessionCookieFor(user.id);

    const bad = await run(A, formRequest("/wallet/auto-lend", { ...valid, idleDays: "0", maxPartnerPercent: "", countries: "ZZ" }, cookie));
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { errors: Record<string, string[]>; values: Record<string, unknown> };
    expect(Object.keys(body.errors).sort()).toEqual(["countries", "idleDays", "maxPartnerPercent"]);
    expect(body.errors.idleDays).toEqual(["The number of idle days must be from 1 to 365 days."]);
    expect(body.values).toMatchObject({ idleDays: "0", maxTermMonths: "18", enabled: true });
    expect((await getAutoLendSettings(user.id)).enabled).toBe(false);

    const form = new URLSearchParams({ ...valid });
    form.append("countries", "KE");
    form.append("countries", "UG");
    form.append("genders", "female");
    const saved = await run(
      A,
      new Request("http://localhost:3000/wallet/auto-lend", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie }, body: form.toString() }),
    );
    expect(saved.headers.get("Location")).toBe("/wallet/auto-lend?saved=on");
    expect(await getAutoLendSettings(user.id)).toMatchObject({
      enabled: true,
      countries: ["KE", "UG"],
      genders: ["female"],
      borrowerKind: "individual",
      maxTermMonths: 18,
      idleDays: 14,
      maxPartnerBps: 3_000,
      maxCountryBps: 6_000,
    });

    await runAutoLendFor(user.id, { now: new Date(Date.now() + DAY) });
    const page = (await (await run(L, getRequest("/wallet/auto-lend", cookie))).json()) as {
      values: Record<string, unknown>;
      decisions: { outcome: string; reason: string }[];
      idle: { balance: string };
    };
    expect(page.values).toMatchObject({ enabled: true, countries: ["KE", "UG"], maxPartnerPercent: "30", idleDays: "14" });
    expect(page.idle.balance).toBe("5000");
    expect(page.decisions[0]?.outcome).toBe("nothing_idle");
    // Another lender sees only their own log.
    const other = await sessionCookieFor((await lender()).id);
    expect(((await (await run(L, getRequest("/wallet/auto-lend", other))).json()) as { decisions: unknown[] }).decisions).toEqual([]);

    // Turning it off is one untick.
    const off = await run(A, formRequest("/wallet/auto-lend", { ...valid, enabled: "" }, cookie));
    expect(off.headers.get("Location")).toBe("/wallet/auto-lend?saved=off");
    expect((await getAutoLendSettings(user.id)).enabled).toBe(false);
  });
});

describe("relend", () => {
  it("the loans page shows the lender's credit to relend, and only to them", async () => {
    const L = loansPage.loader as Fn;
    const user = await lender(12_345n);
    const cookie = await sessionCookieFor(user.id);
    const page = (await (await run(L, getRequest("/loans?relend=1", cookie))).json()) as { relendCredit: string | null; query: { relend?: string } };
    expect(page.relendCredit).toBe("12345");
    expect(page.query.relend).toBe("1");
    const anonymous = (await (await run(L, getRequest("/loans?relend=1"))).json()) as { relendCredit: string | null };
    expect(anonymous.relendCredit).toBeNull();
    const plain = (await (await run(L, getRequest("/loans", cookie))).json()) as { relendCredit: string | null };
    expect(plain.relendCredit).toBeNull();
  });
});
