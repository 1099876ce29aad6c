import { describe, expect, it } from "vitest";
import { netProfit, parseRate, reportDueBy, reportOverdue, toUsdCents } from "./equity-report.ts";

describe("the cycle report's arithmetic", () => {
  it("reads an exchange rate exactly, refusing zero, negatives and words", () => {
    expect(parseRate("129.5")).toEqual({ numerator: 1295n, denominator: 10n });
    expect(parseRate("3700")).toEqual({ numerator: 3700n, denominator: 1n });
    for (const bad of ["0", "0.000", "-1", "abc", "1e3", "", "1.123456789"]) expect(parseRate(bad)).toBeNull();
  });

  it("converts local minor units to US cents at the rate, halves away from zero", () => {
    // KES 3,500.00 at 100 per dollar = $35.00.
    expect(toUsdCents(350_000n, 2, parseRate("100")!)).toBe(3_500n);
    // UGX 10,000 (no decimals) at 3,700 per dollar = $2.7027… → 270 cents.
    expect(toUsdCents(10_000n, 0, parseRate("3700")!)).toBe(270n);
    // KES 1.50 at 100 = 1.5 cents → 2; a loss rounds the same way.
    expect(toUsdCents(150n, 2, parseRate("100")!)).toBe(2n);
    expect(toUsdCents(-150n, 2, parseRate("100")!)).toBe(-2n);
  });

  it("net profit is income less expenses less loan losses, and may be a loss", () => {
    expect(netProfit({ income: 1_000n, expenses: 2_000n, loanLosses: 1_001n })).toBe(-2_001n);
  });

  it("a report is overdue only for a closed offering more than 30 days after its cycle ends", () => {
    const cycleEnd = new Date("2026-06-30T00:00:00Z");
    expect(reportDueBy(cycleEnd).toISOString()).toBe("2026-07-30T00:00:00.000Z");
    expect(reportOverdue({ status: "closed", cycleEnd }, new Date("2026-07-30T00:00:00Z"))).toBe(false);
    expect(reportOverdue({ status: "closed", cycleEnd }, new Date("2026-07-30T00:00:01Z"))).toBe(true);
    expect(reportOverdue({ status: "distributed", cycleEnd }, new Date("2027-01-01T00:00:00Z"))).toBe(false);
  });
});
