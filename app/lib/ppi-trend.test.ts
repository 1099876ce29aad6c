import { describe, expect, it } from "vitest";
import { buildTrend, rateBps, type TrendPoint } from "./ppi-trend.ts";

const point = (quarter: string, version: "v1" | "v2", povertyLine: string, clients: number, likelihoodSumBps: number | bigint): TrendPoint => ({
  quarter,
  scorecardId: `sc-${version}`,
  version,
  povertyLine,
  clients,
  likelihoodSumBps,
});

describe("rateBps", () => {
  it("is the mean likelihood in whole basis points, rounded half up, exactly", () => {
    expect(rateBps(7_000, 2)).toBe(3_500); // (3000 + 4000) / 2
    expect(rateBps(5_069, 2)).toBe(2_535); // 2534.5 → 2535
    expect(rateBps(5_067, 2)).toBe(2_534); // 2533.5 → 2534
    expect(rateBps(10_001, 3)).toBe(3_334); // 3333.67
    expect(rateBps(10_000, 3)).toBe(3_333); // 3333.33
    // A million clients at 99.99% each: sums beyond 2^53 would lose digits as floats, not as bigints.
    expect(rateBps(9_999n * 1_000_000_000_000n, 1_000_000_000_000)).toBe(9_999);
    expect(() => rateBps(100, 0)).toThrow(RangeError);
  });
});

describe("buildTrend", () => {
  const points = [
    // Out of order on purpose, with an emptied row (clients 0) that must not show.
    point("2026-07-01", "v2", "National", 6, 6 * 3_900),
    point("2026-01-01", "v1", "National", 5, 5 * 4_200 + 2),
    point("2026-04-01", "v1", "National", 5, 5 * 4_000),
    point("2026-01-01", "v1", "$2.15", 5, 5 * 2_000),
    point("2026-04-01", "v1", "$2.15", 5, 5 * 1_900),
    point("2026-07-01", "v2", "$2.15", 6, 6 * 2_100),
    point("2026-10-01", "v2", "National", 7, 7 * 3_700 + 4),
    point("2026-10-01", "v2", "$2.15", 0, 0),
  ];

  it("builds one series per version and line, never joining v1 and v2", () => {
    const trend = buildTrend(points);
    expect(trend.series.map((s) => [s.version, s.povertyLine, s.points.map((p) => [p.quarter, p.clients, p.rateBps])])).toEqual([
      ["v1", "National", [["2026-01-01", 5, 4_200], ["2026-04-01", 5, 4_000]]],
      ["v1", "$2.15", [["2026-01-01", 5, 2_000], ["2026-04-01", 5, 1_900]]],
      ["v2", "National", [["2026-07-01", 6, 3_900], ["2026-10-01", 7, 3_701]]],
      ["v2", "$2.15", [["2026-07-01", 6, 2_100]]],
    ]);
  });

  it("flags the crossing from v1 to v2 with the quarters either side", () => {
    const { crossings, versions } = buildTrend(points);
    expect(versions.map((v) => [v.version, v.firstQuarter, v.lastQuarter])).toEqual([
      ["v1", "2026-01-01", "2026-04-01"],
      ["v2", "2026-07-01", "2026-10-01"],
    ]);
    expect(crossings).toEqual([
      {
        from: { scorecardId: "sc-v1", version: "v1", lastQuarter: "2026-04-01" },
        to: { scorecardId: "sc-v2", version: "v2", firstQuarter: "2026-07-01" },
        overlapping: false,
        message: "not comparable: scorecard changed from v1 to v2",
      },
    ]);
  });

  it("marks a switch-over quarter in which both versions have figures as overlapping", () => {
    const { crossings, series } = buildTrend([
      point("2026-01-01", "v1", "National", 5, 20_000),
      point("2026-04-01", "v1", "National", 5, 20_000),
      point("2026-04-01", "v2", "National", 5, 15_000),
    ]);
    expect(crossings.map((c) => [c.from.version, c.to.version, c.overlapping])).toEqual([["v1", "v2", true]]);
    expect(series.map((s) => s.points.length)).toEqual([2, 1]);
  });

  it("one version, or nothing at all, crosses nothing", () => {
    expect(buildTrend(points.filter((p) => p.version === "v1")).crossings).toEqual([]);
    expect(buildTrend([])).toEqual({ versions: [], series: [], crossings: [] });
  });

  it("refuses two points for one quarter of one series (figures of two nodes mixed up)", () => {
    expect(() => buildTrend([point("2026-01-01", "v1", "National", 5, 1), point("2026-01-01", "v1", "National", 6, 1)])).toThrow(/one node at a time/);
  });
});
