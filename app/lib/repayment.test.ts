import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeSchedule } from "./schedule.ts";
import {
  convertPrincipal,
  daysLate,
  firstUnpaidDue,
  owedUsdFor,
  parseRate,
  principalCovered,
  scheduleTotal,
  splitPayment,
  splitToLenders,
  toUsdCents,
  type DueInstalment,
} from "./repayment.ts";

const d = (s: string) => new Date(`${s}T00:00:00Z`);
// 3 monthly instalments of 1,000 principal + 100 interest.
const three: DueInstalment[] = [
  { dueOn: d("2026-01-01"), principal: 1000n, interest: 100n },
  { dueOn: d("2026-02-01"), principal: 1000n, interest: 100n },
  { dueOn: d("2026-03-01"), principal: 1000n, interest: 100n },
];

describe("a payment against the schedule", () => {
  it("pays interest before principal, oldest instalment first", () => {
    expect(splitPayment(three, 0n, 50n)).toEqual({ principal: 0n, interest: 50n });
    expect(splitPayment(three, 0n, 1100n)).toEqual({ principal: 1000n, interest: 100n });
    // 1,150 already paid: instalment 2's interest has 50 of 100; 200 more = 50 interest + 150 principal.
    expect(splitPayment(three, 1150n, 200n)).toEqual({ principal: 150n, interest: 50n });
    expect(principalCovered(three, scheduleTotal(three))).toBe(3000n);
  });

  it("knows the oldest instalment not fully paid", () => {
    expect(firstUnpaidDue(three, 0n)).toEqual(d("2026-01-01"));
    expect(firstUnpaidDue(three, 1099n)).toEqual(d("2026-01-01"));
    expect(firstUnpaidDue(three, 1100n)).toEqual(d("2026-02-01"));
    expect(firstUnpaidDue(three, 3300n)).toBeNull();
    expect(daysLate(d("2026-02-01"), new Date("2026-03-03T18:00:00Z"))).toBe(30);
    expect(daysLate(d("2026-02-01"), d("2026-01-20"))).toBe(0);
    expect(daysLate(null, d("2026-01-20"))).toBe(0);
  });

  it("any sequence of payments on a real schedule repays exactly the principal", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000, max: 5_000_000 }), fc.array(fc.integer({ min: 1, max: 400_000 }), { minLength: 1, maxLength: 40 }), (principal, payments) => {
        const schedule = computeSchedule({ principal: BigInt(principal), annualRateBps: 2400, termMonths: 6, frequency: "monthly", method: "declining_balance", graceInstalments: 1, disbursedOn: d("2026-01-01") });
        const due = schedule.instalments.map((i) => ({ dueOn: i.dueDate, principal: i.principal, interest: i.interest }));
        const total = scheduleTotal(due);
        let paid = 0n;
        let principalSum = 0n;
        for (const p of payments) {
          const amount = BigInt(p) > total - paid ? total - paid : BigInt(p);
          if (amount === 0n) break;
          const split = splitPayment(due, paid, amount);
          expect(split.principal + split.interest).toBe(amount);
          expect(split.principal >= 0n && split.interest >= 0n).toBe(true);
          paid += amount;
          principalSum += split.principal;
        }
        if (paid === total) expect(principalSum).toBe(BigInt(principal));
        expect(principalSum).toBe(principalCovered(due, paid));
      }),
    );
  });
});

describe("dollars owed and received", () => {
  it("owed dollars reach the loan's amount exactly at the last repayment", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2500, max: 1_000_000 }), fc.integer({ min: 1, max: 100_000 }), fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 30 }), (usd, ratePer100, weights) => {
        const amountLocal = (BigInt(usd) * BigInt(ratePer100)) / 100n + 1n;
        // cut the local principal into pieces and sum the owed increments
        const parts = weights.map(BigInt);
        const sum = parts.reduce((a, b) => a + b, 0n);
        let cum = 0n;
        let owedSoFar = 0n;
        let totalOwed = 0n;
        parts.forEach((w, i) => {
          cum = i === parts.length - 1 ? amountLocal : cum + (amountLocal * w) / sum;
          const owed = owedUsdFor(cum, amountLocal, BigInt(usd)) - owedSoFar;
          expect(owed >= 0n).toBe(true);
          owedSoFar += owed;
          totalOwed += owed;
        });
        expect(totalOwed).toBe(BigInt(usd));
      }),
    );
  });

  it("converts at the day's rate and records a weaker currency as FX loss, never a gain", () => {
    expect(parseRate("129.5")).toEqual({ units: 1295n, scale: 10n });
    expect(() => parseRate("0")).toThrow(/more than zero/);
    expect(() => parseRate("12,5")).toThrow(/number/);
    // KES 1,295.00 at 129.5 is $10.00; at 140 it is $9.25 (rounded half up).
    expect(toUsdCents(129_500n, "129.5", "KES")).toBe(1000n);
    expect(toUsdCents(129_500n, "140", "KES")).toBe(925n);
    // UGX has no minor unit: 37,000 at 3,700 is $10.00.
    expect(toUsdCents(37_000n, "3700", "UGX")).toBe(1000n);
    expect(convertPrincipal({ principalLocal: 129_500n, owedUsdCents: 1000n, rate: "140", currency: "KES" })).toEqual({ usdCents: 925n, fxLossCents: 75n });
    expect(convertPrincipal({ principalLocal: 129_500n, owedUsdCents: 1000n, rate: "120", currency: "KES" })).toEqual({ usdCents: 1000n, fxLossCents: 0n });
  });
});

describe("splitting among lenders", () => {
  it("pro rata by largest remainder, ties to the earliest share", () => {
    const parts = splitToLenders(
      [
        { lenderId: "a", shares: 1 },
        { lenderId: "b", shares: 1 },
        { lenderId: "c", shares: 1 },
      ],
      100n,
      2n,
    );
    expect(parts.map((p) => p.usdCents)).toEqual([34n, 33n, 33n]);
    expect(parts.map((p) => p.fxLossCents)).toEqual([1n, 1n, 0n]);
  });

  it("random repayments over random share counts always sum exactly, and FX loss adds up per lender", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 60 }),
        fc.bigInt({ min: 0n, max: 10_000_000n }),
        fc.bigInt({ min: 0n, max: 1_000_000n }),
        (shares, usd, loss) => {
          const holders = shares.map((s, i) => ({ lenderId: `l${i}`, shares: s }));
          const parts = splitToLenders(holders, usd, loss);
          expect(parts.reduce((a, p) => a + p.usdCents, 0n)).toBe(usd);
          expect(parts.reduce((a, p) => a + p.fxLossCents, 0n)).toBe(loss);
          const totalShares = BigInt(shares.reduce((a, b) => a + b, 0));
          for (const p of parts) {
            expect(p.usdCents >= 0n && p.fxLossCents >= 0n).toBe(true);
            expect(p.owedUsdCents).toBe(p.usdCents + p.fxLossCents);
            // never more than one cent from the exact pro-rata amount
            const exact = (usd * BigInt(p.shares)) / totalShares;
            expect(p.usdCents - exact <= 1n && p.usdCents - exact >= 0n).toBe(true);
          }
        },
      ),
    );
  });
});
