import { describe, expect, it } from "vitest";
import { investorsReceive, splitToInvestors } from "./equity-terms.ts";
import { termsSummary, type SummaryTerms } from "./offering-summary.ts";

const base: SummaryTerms = {
  profitShareBps: 2000,
  capitalReturned: true,
  unitPriceCents: 2_500n,
  maxRaiseCents: 100_000n,
  minRaiseCents: 50_000n,
  perInvestorMaxUnits: 10,
  cancellationHours: 48,
  cycleStart: "2027-01-01",
  cycleEnd: "2027-12-31",
  fundraisingDeadline: "2026-12-15",
};

describe("the terms summary and worked example", () => {
  it("capital returned: 40 units of $25, profit $200 → one unit $26.00; break-even $25.00; loss $100 → $24.50 (hand-worked)", () => {
    const s = termsSummary(base);
    // Profit: investors get $1,000 + 20% of $200 = $1,040, /40 = $26.00. Loss: $1,000 − 20% of $100 = $980, /40 = $24.50.
    expect(s.exampleSentences.profit).toBe("If all 40 units are sold and the group earns $200.00 in the cycle, one unit ($25.00) receives $26.00.");
    expect(s.exampleSentences.breakEven).toBe("If the group breaks even, one unit ($25.00) receives $25.00.");
    expect(s.exampleSentences.loss).toBe("If the group loses $100.00, one unit ($25.00) receives $24.50.");
    expect(s.points.join(" ")).toContain("Investors together receive 20% of the group's net profit");
    expect(s.points.join(" ")).toContain("returned at the cycle's share-out");
    expect(s.points.join(" ")).toContain("at least $500.00 by 15 December 2026");
    expect(s.points.join(" ")).toContain("at most 10 units");
    expect(s.points.join(" ")).toContain("within 48 hours");
  });

  it("capital not returned: profit $200 → one unit $1.00 (20% of $200 / 40); break-even and loss → $0.00", () => {
    const s = termsSummary({ ...base, capitalReturned: false });
    expect(s.exampleSentences.profit).toContain("receives $1.00.");
    expect(s.exampleSentences.breakEven).toContain("receives $0.00.");
    expect(s.exampleSentences.loss).toContain("receives $0.00.");
    expect(s.points.join(" ")).toContain("NOT returned");
  });

  it("uneven units: the example's one unit is what the real split pays the first holder", () => {
    const terms = { ...base, profitShareBps: 1250, unitPriceCents: 700n, maxRaiseCents: 2_100n };
    const s = termsSummary(terms);
    // 3 units of $7; profit $4.20 → investors $21.00 + 12.5% of $4.20 = $21.525 → $21.53 → units [1, 2] split: 718, 1435.
    const total = investorsReceive(terms, 2_100n, 420n);
    expect(total).toBe(2_153n);
    expect(splitToInvestors(total, [1, 2])[0]).toBe(718n);
    expect(s.example.onProfitCents).toBe(718n);
    expect(s.exampleSentences.profit).toBe("If all 3 units are sold and the group earns $4.20 in the cycle, one unit ($7.00) receives $7.18.");
    expect(s.points.join(" ")).toContain("12.5% of the group's net profit");
  });
});
