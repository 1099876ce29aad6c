import { describe, expect, it } from "vitest";
import { formatRate, NOT_ENOUGH_HISTORY, TRACK_RECORD_RATES, trackRecordJson } from "./track-record.ts";

describe("track record for lenders", () => {
  it("shows a rate as a percentage, and a missing one as missing rather than 0%", () => {
    expect(formatRate(9_750)).toBe("97.5%");
    expect(formatRate(0)).toBe("0%");
    expect(formatRate(10_000)).toBe("100%");
    expect(formatRate(null)).toBe(NOT_ENOUGH_HISTORY);
  });

  it("explains every rate the model computes, once", () => {
    expect(TRACK_RECORD_RATES.map((r) => r.key).sort()).toEqual(["defaultRateBps", "fxLossRateBps", "par30Bps", "repaymentRateBps"]);
  });

  it("sends the dollars as a string, since JSON has no bigint", () => {
    const json = trackRecordJson({ loansDisbursed: 2, disbursedUsdCents: 12_500n, repaymentRateBps: null, par30Bps: 0, defaultRateBps: 0, fxLossRateBps: null });
    expect(JSON.parse(JSON.stringify(json))).toEqual({ loansDisbursed: 2, disbursedUsdCents: "12500", repaymentRateBps: null, par30Bps: 0, defaultRateBps: 0, fxLossRateBps: null });
  });
});
