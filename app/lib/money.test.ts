import { describe, expect, it } from "vitest";
import { formatMoney, minorDigits } from "./money.ts";

describe("formatMoney", () => {
  it("formats minor units in the currency's own decimals", () => {
    expect(formatMoney(2500, "USD")).toBe("$25.00");
    expect(formatMoney(-5, "USD")).toBe("-$0.05");
    expect(formatMoney(1_850_000, "UGX")).toBe("UGX\u00a01,850,000");
    expect(minorDigits("UGX")).toBe(0);
  });

  it("stays exact beyond 2^53 minor units", () => {
    expect(formatMoney(123456789012345678901n, "USD")).toBe("$1,234,567,890,123,456,789.01");
  });
});
