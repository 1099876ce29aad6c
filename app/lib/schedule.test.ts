import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeSchedule, instalmentCount, ScheduleError, type ScheduleInput } from "./schedule.ts";

const cents = (s: string) => BigInt(s.replace(".", ""));
const base: ScheduleInput = {
  principal: cents("1200.00"),
  annualRateBps: 2400,
  termMonths: 12,
  frequency: "monthly",
  method: "flat",
  graceInstalments: 0,
  disbursedOn: new Date(Date.UTC(2026, 0, 31)),
};

function table(input: ScheduleInput) {
  return computeSchedule(input).instalments.map((i) => [Number(i.principal) / 100, Number(i.interest) / 100]);
}

// Hand-worked (independently, with decimal arithmetic rounding half up) for a
// 12-month loan of 1,200.00 at 24% a year, repaid monthly.
describe("schedules: the hand-worked 1,200.00 loan at 24%", () => {
  it("flat: 100.00 principal + 24.00 interest every month, 288.00 interest in all, APR about 41.70%", () => {
    const schedule = computeSchedule(base);
    expect(table(base)).toEqual(Array(12).fill([100, 24]));
    expect(schedule.totalInterest).toBe(cents("288.00"));
    expect(schedule.totalRepaid).toBe(cents("1488.00"));
    expect(schedule.aprBps / 100).toBeCloseTo(41.7, 1);
  });

  it("flat with one grace month: interest only first, principal over the other eleven", () => {
    expect(table({ ...base, graceInstalments: 1 })).toEqual([
      [0, 24],
      [109.1, 24],
      ...Array(10).fill([109.09, 24]),
    ]);
    expect(computeSchedule({ ...base, graceInstalments: 1 }).totalInterest).toBe(cents("288.00"));
  });

  it("declining balance: 113.47 a month, the last one 113.50, 161.67 interest, APR 24.00%", () => {
    const input = { ...base, method: "declining_balance" as const };
    expect(table(input)).toEqual([
      [89.47, 24.0], [91.26, 22.21], [93.08, 20.39], [94.95, 18.52], [96.85, 16.62], [98.78, 14.69],
      [100.76, 12.71], [102.77, 10.7], [104.83, 8.64], [106.92, 6.55], [109.06, 4.41], [111.27, 2.23],
    ]);
    const schedule = computeSchedule(input);
    expect(schedule.totalInterest).toBe(cents("161.67"));
    expect(schedule.instalments.at(-1)!.total).toBe(cents("113.50"));
    expect(schedule.aprBps / 100).toBeCloseTo(24.0, 1);
  });

  it("declining balance with one grace month: 24.00 interest only, then 122.61 a month", () => {
    const input = { ...base, method: "declining_balance" as const, graceInstalments: 1 };
    expect(table(input)).toEqual([
      [0, 24.0], [98.61, 24.0], [100.58, 22.03], [102.59, 20.02], [104.65, 17.96], [106.74, 15.87],
      [108.87, 13.74], [111.05, 11.56], [113.27, 9.34], [115.54, 7.07], [117.85, 4.76], [120.25, 2.41],
    ]);
    expect(computeSchedule(input).totalInterest).toBe(cents("172.76"));
  });

  it("due dates step by calendar month, clamped to the month's end", () => {
    const dates = computeSchedule(base).instalments.slice(0, 3).map((i) => i.dueDate.toISOString().slice(0, 10));
    expect(dates).toEqual(["2026-02-28", "2026-03-31", "2026-04-30"]);
    const weekly = computeSchedule({ ...base, frequency: "weekly" });
    expect(weekly.instalments).toHaveLength(52);
    expect(weekly.instalments[1]!.dueDate.getTime() - weekly.instalments[0]!.dueDate.getTime()).toBe(7 * 86_400_000);
    expect(instalmentCount(6, "fortnightly")).toBe(13);
  });
});

describe("schedules: the sum rule", () => {
  it("for any loan, principal parts sum to the principal and instalments to principal + interest; balances run down to zero", () => {
    fc.assert(
      fc.property(
        fc.record({
          principal: fc.bigInt({ min: 2500n, max: 5_000_000n }),
          annualRateBps: fc.integer({ min: 0, max: 9000 }),
          termMonths: fc.integer({ min: 1, max: 36 }),
          frequency: fc.constantFrom("weekly" as const, "fortnightly" as const, "monthly" as const),
          method: fc.constantFrom("flat" as const, "declining_balance" as const),
          grace: fc.nat({ max: 3 }),
        }),
        (loan) => {
          const n = instalmentCount(loan.termMonths, loan.frequency);
          const input: ScheduleInput = { ...loan, graceInstalments: Math.min(loan.grace, n - 1), disbursedOn: new Date(Date.UTC(2026, 5, 1)) };
          const s = computeSchedule(input);
          expect(s.instalments).toHaveLength(n);
          expect(s.instalments.reduce((a, i) => a + i.principal, 0n)).toBe(loan.principal);
          expect(s.instalments.reduce((a, i) => a + i.total, 0n)).toBe(s.totalRepaid);
          expect(s.totalRepaid).toBe(loan.principal + s.totalInterest);
          expect(s.instalments.at(-1)!.balanceAfter).toBe(0n);
          for (const i of s.instalments) {
            expect(i.principal >= 0n && i.interest >= 0n).toBe(true);
          }
          for (const i of s.instalments.slice(0, input.graceInstalments)) expect(i.principal).toBe(0n);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("refuses impossible loans", () => {
    expect(() => computeSchedule({ ...base, principal: 0n })).toThrow(ScheduleError);
    expect(() => computeSchedule({ ...base, graceInstalments: 12 })).toThrow(/fewer instalments than the 12/);
    expect(() => computeSchedule({ ...base, annualRateBps: 30_000 })).toThrow(/between 0% and 200%/);
    expect(() => computeSchedule({ ...base, termMonths: 0 })).toThrow(ScheduleError);
  });
});
