import { describe, expect, it } from "vitest";
import { quarterLabel, reachSentence, roundedMean, shareBps, suppressedChildren } from "./impact-public.ts";

describe("suppressedChildren", () => {
  it("hides nothing when every child has 5 clients or more", () => {
    expect([...suppressedChildren([{ key: "KE", clients: 5 }, { key: "UG", clients: 12 }])]).toEqual([]);
  });

  it("hides a child of 4, and the smallest other child too, or the platform total minus the rest would give it away", () => {
    const hidden = suppressedChildren([
      { key: "KE", clients: 40 },
      { key: "UG", clients: 4 },
      { key: "TZ", clients: 6 },
    ]);
    expect([...hidden].sort()).toEqual(["TZ", "UG"]);
  });

  it("stops hiding once the hidden children hold 5 clients together", () => {
    const hidden = suppressedChildren([
      { key: "KE", clients: 40 },
      { key: "UG", clients: 3 },
      { key: "TZ", clients: 2 },
    ]);
    expect([...hidden].sort()).toEqual(["TZ", "UG"]);
  });

  it("hides the only other child when that is all there is", () => {
    expect([...suppressedChildren([{ key: "KE", clients: 9 }, { key: "UG", clients: 1 }])].sort()).toEqual(["KE", "UG"]);
  });
});

describe("means and shares", () => {
  it("rounds half up and has no mean of nobody", () => {
    expect(roundedMean(25_005, 2)).toBe(12_503);
    expect(roundedMean(10, 0)).toBeNull();
    expect(shareBps(1, 3)).toBe(3_333);
    expect(shareBps(2, 3)).toBe(6_667);
    expect(shareBps(0, 0)).toBeNull();
  });

  it("names quarters by their first day", () => {
    expect(quarterLabel("2026-01-01")).toBe("2026 Q1");
    expect(quarterLabel("2026-10-01")).toBe("2026 Q4");
  });
});

describe("reachSentence", () => {
  const base = { kind: "group" as const, expectedReach: 12, realisedReach: null, amountUsdCents: 100_000, principalRepaidUsdCents: "0" };

  it("promises nothing before funding", () => {
    expect(reachSentence({ ...base, status: "fundraising", expectedReach: null })).toBeNull();
  });

  it("states the expected reach once funded", () => {
    expect(reachSentence({ ...base, status: "paying_back" })).toBe("Expected to reach 12 members when it was funded.");
    expect(reachSentence({ ...base, kind: "individual", expectedReach: 1, status: "funded" })).toBe("Expected to reach 1 client when it was funded.");
  });

  it("restates it when the loan ends, with what was repaid of a default", () => {
    expect(reachSentence({ ...base, status: "repaid", realisedReach: 11 })).toBe(
      "Expected to reach 12 members when it was funded. Repaid: reached 11 members.",
    );
    expect(reachSentence({ ...base, status: "defaulted", realisedReach: 12, principalRepaidUsdCents: "62500" })).toBe(
      "Expected to reach 12 members when it was funded. Defaulted: 12 members, 62.5% repaid.",
    );
    expect(reachSentence({ ...base, status: "written_off", realisedReach: 10, principalRepaidUsdCents: 25_000n })).toBe(
      "Expected to reach 12 members when it was funded. Written off: 10 members, 25% repaid.",
    );
  });
});
