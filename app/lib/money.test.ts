import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocate, formatMoney, minorDigits, parseMoneyInput, toDecimalString } from "./money.ts";

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

describe("parseMoneyInput", () => {
  const ok = (input: string, currency = "USD") => {
    const result = parseMoneyInput(input, currency);
    if (!result.ok) throw new Error(result.message);
    return result.amount;
  };
  const message = (input: string, currency = "USD", options = {}) => {
    const result = parseMoneyInput(input, currency, options);
    if (result.ok) throw new Error(`accepted ${input}`);
    return result.message;
  };

  it("accepts the ways people write amounts", () => {
    expect(ok("25")).toBe(2500n);
    expect(ok("25.00")).toBe(2500n);
    expect(ok("25.5")).toBe(2550n);
    expect(ok("1,000")).toBe(100000n);
    expect(ok(" $1,234.56 ")).toBe(123456n);
    expect(ok("1500", "UGX")).toBe(1500n);
  });

  it("refuses everything else with a reason", () => {
    expect(message("")).toMatch(/Enter an amount/);
    expect(message("-5")).toMatch(/greater than zero/);
    expect(message("0")).toMatch(/greater than zero/);
    expect(message("0.00")).toMatch(/greater than zero/);
    expect(message("25.001")).toMatch(/at most 2 decimal places/);
    expect(message("1500.5", "UGX")).toMatch(/no decimals/);
    expect(message("abc")).toMatch(/in numbers/);
    expect(message("1e3")).toMatch(/in numbers/);
    expect(message("1,00")).toMatch(/in numbers/);
    expect(message("12,34,567")).toMatch(/in numbers/);
    expect(message("25 USD")).toMatch(/in numbers/);
    expect(message("9999999999999999")).toMatch(/too large/);
    expect(message("10001", "USD", { max: 1_000_000n })).toMatch(/largest amount is \$10,000\.00/);
    expect(message("4", "USD", { min: 500n })).toMatch(/smallest amount is \$5\.00/);
  });
});

describe("allocate", () => {
  it("splits by largest remainder, ties to the earliest", () => {
    expect(allocate(100n, [1n, 1n, 1n])).toEqual([34n, 33n, 33n]);
    expect(allocate(1000n, [3n, 1n])).toEqual([750n, 250n]);
    expect(allocate(5n, [1n, 2n, 3n])).toEqual([1n, 2n, 2n]);
    expect(allocate(-100n, [1n, 1n, 1n])).toEqual([-34n, -33n, -33n]);
    expect(allocate(7n, [0n, 5n])).toEqual([0n, 7n]);
  });

  it("always sums to the total exactly, and no part is off its exact share by a unit or more", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 6n }), { minLength: 1, maxLength: 60 }).filter((w) => w.some((x) => x > 0n)),
        (total, weights) => {
          const parts = allocate(total, weights);
          expect(parts.reduce((a, b) => a + b, 0n)).toBe(total);
          const sum = weights.reduce((a, b) => a + b, 0n);
          parts.forEach((part, i) => {
            // |part * sum - total * w| < sum  ⇔  the part is within one unit of its exact share
            const diff = part * sum - total * weights[i]!;
            expect(diff < sum && diff > -sum).toBe(true);
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("gives every part and every tie-break of exact largest remainder, whether the sums fit in a double or not", () => {
    // The oracle: the method written out in bigints, nothing else.
    const exact = (total: bigint, weights: bigint[]) => {
      const sum = weights.reduce((a, b) => a + b, 0n);
      const sign = total < 0n ? -1n : 1n;
      const magnitude = total * sign;
      const parts = weights.map((w) => (magnitude * w) / sum);
      const byRemainder = weights.map((w, i) => ({ i, r: (magnitude * w) % sum })).sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
      let left = magnitude - parts.reduce((a, b) => a + b, 0n);
      for (const { i } of byRemainder) if (left-- > 0n) parts[i]! += 1n;
      return parts.map((p) => p * sign);
    };
    fc.assert(
      fc.property(
        // Totals up to 10^13 with weights up to 10^4 cross 2^53 (the switch between doubles and bigints) both ways.
        fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }),
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 4n }), { minLength: 1, maxLength: 80 }).filter((w) => w.some((x) => x > 0n)),
        (total, weights) => {
          expect(allocate(total, weights)).toEqual(exact(total, weights));
        },
      ),
      { numRuns: 2000 },
    );
    // Equal weights: the remainders all tie, so the earliest lenders get the odd cents.
    expect(allocate(10_003n, Array.from({ length: 10_000 }, () => 1n)).slice(0, 4)).toEqual([2n, 2n, 2n, 1n]);
  });

  it("refuses weights that cannot be split", () => {
    expect(() => allocate(1n, [])).toThrow(RangeError);
    expect(() => allocate(1n, [0n, 0n])).toThrow(RangeError);
    expect(() => allocate(1n, [-1n, 2n])).toThrow(RangeError);
  });
});

describe("toDecimalString", () => {
  it("writes minor units as a plain decimal in the currency's own decimals", () => {
    expect(toDecimalString(2500n, "USD")).toBe("25.00");
    expect(toDecimalString(-5n, "USD")).toBe("-0.05");
    expect(toDecimalString(-12345, "USD")).toBe("-123.45");
    expect(toDecimalString(1_850_000n, "UGX")).toBe("1850000");
    expect(toDecimalString(123456789012345678901n, "USD")).toBe("1234567890123456789.01");
  });
});
