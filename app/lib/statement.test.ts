import { describe, expect, it } from "vitest";
import { ACCESS_CODE_ALPHABET, coveredPerInstalment, formatAccessCode, normaliseAccessCode } from "./statement.ts";

describe("access codes as people type them", () => {
  it("accepts lower case, spaces and dashes; refuses the wrong length or a character the alphabet lacks", () => {
    expect(formatAccessCode("ABCDEFGHJK")).toBe("ABCD-EFGH-JK");
    expect(normaliseAccessCode("abcd-efgh-jk")).toBe("ABCDEFGHJK");
    expect(normaliseAccessCode(" ABCD EFGH JK ")).toBe("ABCDEFGHJK");
    expect(normaliseAccessCode("ABCD—EFGH—JK")).toBe("ABCDEFGHJK");
    expect(normaliseAccessCode("  ")).toBe("");
    expect(normaliseAccessCode("ABCD-EFGH")).toBeNull();
    expect(normaliseAccessCode("ABCD-EFGH-JKM")).toBeNull();
    // O, 0, I, 1, L and U are left out so nothing can be misread.
    expect(normaliseAccessCode("ABCD-EFGH-J0")).toBeNull();
    expect(normaliseAccessCode("ABCD-EFGH-JO")).toBeNull();
    expect(normaliseAccessCode("ABCD-EFGH-JI")).toBeNull();
    expect(normaliseAccessCode("ABCD-EFGH-J1")).toBeNull();
    expect(normaliseAccessCode("ABCD-EFGH-JL")).toBeNull();
    expect(normaliseAccessCode("ABCD-EFGH-JU")).toBeNull();
    expect(ACCESS_CODE_ALPHABET).toHaveLength(30);
    expect(new Set(ACCESS_CODE_ALPHABET).size).toBe(30);
  });
});

describe("what a payment covers", () => {
  it("fills instalments in order; nothing paid, part paid, overpaid", () => {
    expect(coveredPerInstalment([100n, 100n, 100n], 0n)).toEqual([0n, 0n, 0n]);
    expect(coveredPerInstalment([100n, 100n, 100n], 150n)).toEqual([100n, 50n, 0n]);
    expect(coveredPerInstalment([100n, 100n, 100n], 300n)).toEqual([100n, 100n, 100n]);
    expect(coveredPerInstalment([100n, 100n], 500n)).toEqual([100n, 100n]);
    // Paid before a reschedule can make the part paid on the new schedule negative: nothing is covered.
    expect(coveredPerInstalment([100n], -20n)).toEqual([0n]);
  });
});
