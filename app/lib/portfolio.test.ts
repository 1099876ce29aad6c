import { describe, expect, it } from "vitest";
import { addMonths, chartBars, chartMonths, loanCsvLine, monthLabel, parsePortfolioQuery, portfolioSearch, repaymentCsvLine } from "./portfolio.ts";

describe("the query in the URL", () => {
  it("keeps what parses and drops the rest", () => {
    expect(parsePortfolioQuery(new URLSearchParams("status=paying_back&country=ke&partner=umoja-mf&page=3"))).toEqual({
      status: "paying_back",
      country: "KE",
      partner: "umoja-mf",
      page: 3,
    });
    expect(parsePortfolioQuery(new URLSearchParams("status=lost&country=Kenya&partner=Umoja MF&page=0"))).toEqual({ page: 1 });
  });

  it("links keep the filters and leave out empty ones and page 1", () => {
    expect(portfolioSearch({ status: "repaid", country: undefined, partner: "a-b" }, 2)).toBe("?status=repaid&partner=a-b&page=2");
    expect(portfolioSearch({}, 1)).toBe("");
  });
});

describe("months", () => {
  it("count across years both ways", () => {
    expect(addMonths("2026-11", 2)).toBe("2027-01");
    expect(addMonths("2026-01", -13)).toBe("2024-12");
    expect(monthLabel("2027-01")).toBe("Jan 2027");
  });

  it("the chart runs from twelve months back to twelve ahead; late instalments are expected now, later ones are totalled apart", () => {
    const { months, earlierReceived, laterExpected } = chartMonths(
      [
        { month: "2026-10", cents: 500n },
        { month: "2026-11", cents: 100n },
        { month: "2025-10", cents: 7n },
      ],
      [
        { month: "2026-09", cents: 40n },
        { month: "2026-11", cents: 60n },
        { month: "2027-02", cents: 300n },
        { month: "2027-12", cents: 9n },
      ],
      "2026-11-22",
    );
    expect(months).toHaveLength(25);
    expect(months[0]!.month).toBe("2025-11");
    expect(months[24]!.month).toBe("2027-11");
    const at = (month: string) => months.find((m) => m.month === month)!;
    expect(at("2026-10")).toMatchObject({ received: 500n, expected: 0n, label: "Oct 2026" });
    expect(at("2026-11")).toMatchObject({ received: 100n, expected: 100n });
    expect(at("2027-02").expected).toBe(300n);
    expect(earlierReceived).toBe(7n);
    expect(laterExpected).toBe(9n);
  });
});

describe("bars", () => {
  const month = (received: bigint, expected: bigint) => ({ month: "2026-11", label: "Nov 2026", received, expected });

  it("scale to the largest amount, side by side in each month's slot", () => {
    const { bars, max } = chartBars([month(1_000n, 0n), month(500n, 250n)], { width: 200, height: 100 });
    expect(max).toBe(1_000n);
    expect(bars.map((b) => [b.kind, b.height, b.y])).toEqual([
      ["received", 100, 0],
      ["received", 50, 50],
      ["expected", 25, 75],
    ]);
    expect(bars[1]!.x).toBeLessThan(bars[2]!.x);
    expect(bars[2]!.x + bars[2]!.width).toBeLessThanOrEqual(200);
  });

  it("a tiny amount still shows; nothing at all draws nothing", () => {
    expect(chartBars([month(1_000_000n, 1n)], { width: 10, height: 100 }).bars[1]!.height).toBe(1);
    expect(chartBars([month(0n, 0n)], { width: 10, height: 100 }).bars).toEqual([]);
  });
});

describe("CSV lines", () => {
  it("quote what needs quoting and defuse formulas, leaving amounts as numbers", () => {
    const line = loanCsvLine({
      id: "loan-1",
      reference: "MV-1",
      purpose: "@SUM(A1:A9), \"cash\"\nnow",
      partnerName: "+Umoja",
      partnerSlug: "umoja",
      country: "KE",
      status: "paying_back",
      shares: 2,
      lent: 5_000n,
      refunded: 0n,
      repaid: 1_234n,
      outstanding: 3_766n,
      writtenOff: 0n,
      fxLoss: 5n,
      inArrears: true,
      daysLate: 12,
      nextExpected: { cents: 625n, dueOn: "2026-12-01" },
      since: "2026-01-02",
    });
    expect(line).toBe('MV-1,"\'@SUM(A1:A9), ""cash""\nnow",\'+Umoja,Kenya,paying_back,2,50.00,0.00,12.34,37.66,0.00,0.05,yes,12,6.25,2026-12-01,2026-01-02\r\n');
    expect(
      repaymentCsvLine({ paidOn: "2026-11-01", reference: "-1", partnerName: "P", shares: 1, usdCents: 0n, fxLossCents: 0n, expectedUsdCents: 0n, repaymentId: "r" }),
    ).toBe("2026-11-01,'-1,P,1,0.00,0.00,0.00,r\r\n");
  });
});
