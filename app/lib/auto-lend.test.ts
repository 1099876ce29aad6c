import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AUTO_SHARE_CENTS,
  autoLendForm,
  criteriaMismatch,
  describeSkip,
  idleCredit,
  planShares,
  withinCaps,
  type AutoLendCriteria,
  type Candidate,
  type Exposure,
  type LoanFacts,
} from "./auto-lend.ts";

const form = (fields: Partial<Record<string, string | string[]>> = {}) =>
  autoLendForm.safeParse({
    enabled: "on",
    countries: [],
    sectors: [],
    genders: [],
    borrowerKind: "any",
    minPartnerRepayment: "",
    maxTermMonths: "",
    idleDays: "30",
    maxPartnerPercent: "25",
    maxCountryPercent: "50",
    ...fields,
  });

function errorsOf(result: ReturnType<typeof form>): Record<string, string[]> {
  if (result.success) throw new Error("expected the form to be refused");
  const out: Record<string, string[]> = {};
  for (const issue of result.error.issues) (out[issue.path.join(".")] ??= []).push(issue.message);
  return out;
}

describe("the settings form", () => {
  it("turns what the page sends into settings: percentages as basis points, empty as 'any'", () => {
    const result = form({ countries: ["ke", "UG", "KE"], sectors: ["Retail", "Agriculture"], genders: ["female"], minPartnerRepayment: "97.5", maxTermMonths: "12" });
    expect(result.success && result.data).toEqual({
      enabled: true,
      countries: ["KE", "UG"],
      sectors: ["Agriculture", "Retail"],
      genders: ["female"],
      borrowerKind: "any",
      minPartnerRepaymentBps: 9750,
      maxTermMonths: 12,
      idleDays: 30,
      maxPartnerBps: 2500,
      maxCountryBps: 5000,
    });
    const off = form({ enabled: undefined });
    expect(off.success && off.data).toMatchObject({ enabled: false, minPartnerRepaymentBps: 0, maxTermMonths: null });
  });

  it("names the field of every mistake", () => {
    expect(errorsOf(form({ idleDays: "" })).idleDays).toEqual(["Enter the number of idle days."]);
    expect(errorsOf(form({ idleDays: "0" })).idleDays).toEqual(["The number of idle days must be from 1 to 365 days."]);
    expect(errorsOf(form({ idleDays: "1.5" })).idleDays?.[0]).toMatch(/whole number/);
    expect(errorsOf(form({ maxPartnerPercent: "0" })).maxPartnerPercent?.[0]).toMatch(/from 1% to 100%/);
    expect(errorsOf(form({ maxCountryPercent: "" })).maxCountryPercent?.[0]).toMatch(/Enter the cap per country/);
    expect(errorsOf(form({ maxCountryPercent: "150" })).maxCountryPercent?.[0]).toMatch(/from 1% to 100%/);
    expect(errorsOf(form({ minPartnerRepayment: "lots" })).minPartnerRepayment?.[0]).toMatch(/percentage/);
    expect(errorsOf(form({ maxTermMonths: "500" })).maxTermMonths?.[0]).toMatch(/from 1 to 120 months/);
    expect(errorsOf(form({ countries: ["XX"] })).countries?.[0]).toMatch(/from the list/);
    expect(errorsOf(form({ genders: ["robot"] }))["genders.0"]?.[0]).toMatch(/women, men or other/);
    expect(errorsOf(form({ borrowerKind: "company" })).borrowerKind?.[0]).toMatch(/individuals, groups/);
    expect(errorsOf(form({ borrowerKind: "group", genders: ["female"] })).genders?.[0]).toMatch(/individual borrowers only/);
  });
});

describe("criteria", () => {
  const now = new Date("2026-11-22T12:00:00Z");
  const loan: LoanFacts = {
    status: "fundraising",
    fundraisingDeadline: new Date("2026-12-01T00:00:00Z"),
    country: "KE",
    sector: "Retail",
    termMonths: 12,
    kind: "individual",
    gender: "female",
    partnerRepaymentBps: 9800,
  };
  const any: AutoLendCriteria = { countries: [], sectors: [], genders: [], borrowerKind: "any", minPartnerRepaymentBps: 0, maxTermMonths: null };

  it("empty criteria take any fundraising loan; each criterion rules out what it names", () => {
    expect(criteriaMismatch(loan, any, now)).toBeNull();
    expect(criteriaMismatch({ ...loan, status: "funded" }, any, now)).toBe("not raising money");
    expect(criteriaMismatch({ ...loan, fundraisingDeadline: now }, any, now)).toBe("past its deadline");
    expect(criteriaMismatch(loan, { ...any, countries: ["UG"] }, now)).toBe("country");
    expect(criteriaMismatch(loan, { ...any, sectors: ["Agriculture"] }, now)).toBe("sector");
    expect(criteriaMismatch(loan, { ...any, borrowerKind: "group" }, now)).toBe("borrower kind");
    expect(criteriaMismatch(loan, { ...any, genders: ["male"] }, now)).toBe("gender");
    expect(criteriaMismatch({ ...loan, kind: "group", gender: null }, { ...any, genders: ["female"] }, now)).toBe("gender");
    expect(criteriaMismatch(loan, { ...any, maxTermMonths: 6 }, now)).toBe("term");
    expect(criteriaMismatch(loan, { ...any, minPartnerRepaymentBps: 9900 }, now)).toBe("partner repayment rate");
    // A partner with no repayment record yet does not meet a minimum, but does meet "any".
    expect(criteriaMismatch({ ...loan, partnerRepaymentBps: null }, { ...any, minPartnerRepaymentBps: 1 }, now)).toBe("partner repayment rate");
    expect(criteriaMismatch({ ...loan, partnerRepaymentBps: null }, any, now)).toBeNull();
    expect(criteriaMismatch(loan, { ...any, countries: ["KE"], sectors: ["Retail"], genders: ["female"], borrowerKind: "individual", minPartnerRepaymentBps: 9800, maxTermMonths: 12 }, now)).toBeNull();
  });
});

describe("idle credit", () => {
  it("is the balance less recent credit, never below zero", () => {
    expect(idleCredit(10_000n, 2_500n)).toBe(7_500n);
    expect(idleCredit(10_000n, 12_000n)).toBe(0n);
    expect(idleCredit(0n, 0n)).toBe(0n);
  });
});

const empty: Exposure = { totalCents: 0n, byPartner: new Map(), byCountry: new Map() };
const c = (loanId: string, partnerId: string, country: string): Candidate => ({ loanId, partnerId, country });

describe("planShares", () => {
  it("starts an empty portfolio only when the run itself is diverse enough", () => {
    const four = [c("a", "p1", "KE"), c("b", "p2", "KE"), c("d", "p3", "UG"), c("e", "p4", "UG")];
    const plan = planShares({ idleCents: 10_000n, exposure: empty, candidates: four, maxPartnerBps: 2500, maxCountryBps: 5000 });
    expect(plan.lend.map((x) => x.loanId)).toEqual(["a", "b", "d", "e"]);
    // Three partners cannot each be at most 25%: nothing is lent, and the log says why.
    const three = planShares({ idleCents: 10_000n, exposure: empty, candidates: four.slice(0, 3), maxPartnerBps: 2500, maxCountryBps: 5000 });
    expect(three.lend).toEqual([]);
    expect(three.skipped.map((s) => s.reason.code)).toEqual(["partner_cap", "partner_cap", "partner_cap"]);
    expect(describeSkip(three.skipped[0]!.reason, { partner: "Umoja", country: "Kenya" })).toBe(
      "One more share would put 100% of your portfolio with Umoja; your cap per field partner is 25%.",
    );
  });

  it("lends no more shares than the idle credit pays for, in the order given", () => {
    const many = Array.from({ length: 10 }, (_, i) => c(`l${i}`, `p${i}`, `C${i}`));
    const plan = planShares({ idleCents: 7_499n, exposure: empty, candidates: many, maxPartnerBps: 10_000, maxCountryBps: 10_000 });
    expect(plan.lend.map((x) => x.loanId)).toEqual(["l0", "l1"]);
    expect(plan.skipped.every((s) => s.reason.code === "idle_used")).toBe(true);
  });

  it("takes one share per loan even when a loan is offered twice", () => {
    const plan = planShares({ idleCents: 100_000n, exposure: empty, candidates: [c("a", "p", "KE"), c("a", "p", "KE")], maxPartnerBps: 10_000, maxCountryBps: 10_000 });
    expect(plan.lend).toHaveLength(1);
  });

  it("adds nothing to a partner already over its cap", () => {
    const exposure: Exposure = { totalCents: 100_000n, byPartner: new Map([["big", 60_000n], ["small", 40_000n]]), byCountry: new Map([["KE", 100_000n]]) };
    const plan = planShares({ idleCents: 5_000n, exposure, candidates: [c("x", "big", "KE"), c("y", "new", "KE")], maxPartnerBps: 5000, maxCountryBps: 10_000 });
    expect(plan.lend.map((x) => x.loanId)).toEqual(["y"]);
    expect(plan.skipped[0]!.reason).toMatchObject({ code: "partner_cap", capBps: 5000 });
  });

  it("never exceeds a cap, never spends more than is idle, and lends the most shares any choice could (random portfolios)", () => {
    const partnerCountry = (p: number) => `C${p % 3}`;
    const arbitrary = fc.record({
      holdings: fc.array(fc.record({ partner: fc.integer({ min: 0, max: 5 }), cents: fc.integer({ min: 1, max: 40 }).map((n) => BigInt(n) * AUTO_SHARE_CENTS) }), { maxLength: 12 }),
      candidates: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 9 }),
      idleShares: fc.integer({ min: 0, max: 12 }),
      idleExtra: fc.integer({ min: 0, max: 2_499 }),
      maxPartnerBps: fc.integer({ min: 1, max: 10_000 }),
      maxCountryBps: fc.integer({ min: 1, max: 10_000 }),
    });
    fc.assert(
      fc.property(arbitrary, (input) => {
        const byPartner = new Map<string, bigint>();
        const byCountry = new Map<string, bigint>();
        let totalCents = 0n;
        for (const h of input.holdings) {
          byPartner.set(`p${h.partner}`, (byPartner.get(`p${h.partner}`) ?? 0n) + h.cents);
          byCountry.set(partnerCountry(h.partner), (byCountry.get(partnerCountry(h.partner)) ?? 0n) + h.cents);
          totalCents += h.cents;
        }
        const exposure: Exposure = { totalCents, byPartner, byCountry };
        const candidates = input.candidates.map((p, i) => c(`loan${i}`, `p${p}`, partnerCountry(p)));
        const idleCents = BigInt(input.idleShares) * AUTO_SHARE_CENTS + BigInt(input.idleExtra);
        const caps = { maxPartnerBps: input.maxPartnerBps, maxCountryBps: input.maxCountryBps };
        const plan = planShares({ idleCents, exposure, candidates, ...caps });

        expect(withinCaps(exposure, plan.lend, caps)).toBe(true);
        expect(BigInt(plan.lend.length) * AUTO_SHARE_CENTS <= idleCents).toBe(true);
        expect(new Set(plan.lend.map((x) => x.loanId)).size).toBe(plan.lend.length);
        expect(plan.lend.length + plan.skipped.length).toBe(candidates.length);

        // Brute force over every subset: none within the caps and the idle credit is larger.
        let best = 0;
        for (let mask = 0; mask < 1 << candidates.length; mask++) {
          const subset = candidates.filter((_, i) => mask & (1 << i));
          if (subset.length <= best || BigInt(subset.length) * AUTO_SHARE_CENTS > idleCents) continue;
          if (withinCaps(exposure, subset, caps)) best = subset.length;
        }
        expect(plan.lend.length).toBe(best);
      }),
      { numRuns: 300 },
    );
  });
});
