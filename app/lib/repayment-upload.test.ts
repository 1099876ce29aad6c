import { describe, expect, it } from "vitest";
import { amountInMinor, dateFormatMessage, matchColumns, parseAmountText, rateSlipMessage } from "./repayment-upload.ts";

describe("matchColumns", () => {
  it("finds the columns by name in any order, whatever the case, spacing, punctuation or a note in brackets", () => {
    expect(matchColumns(["Loan Reference", "Date", "Local amount", "Rate"])).toEqual({ ok: true, columns: { reference: 0, date: 1, amount: 2, rate: 3 } });
    const result = matchColumns(["notes", "FX_rate", "Amount (KES)", "paid-on", " loan ref ", "Date [YYYY-MM-DD]"]);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/More than one column could be the date \(“paid-on” and “Date \[YYYY-MM-DD\]”\)/) });
    expect(matchColumns(["notes", "FX_rate", "Amount (KES)", "paid-on", " loan ref "])).toEqual({ ok: true, columns: { rate: 1, amount: 2, date: 3, reference: 4 } });
  });

  it("names every missing column and what the first line did say", () => {
    expect(matchColumns(["loan", "amount"])).toEqual({
      ok: false,
      message: "The file has no column for the date and rate. Its first line must name the columns: loan reference, date, local amount, rate (this file's first line names: “loan”, “amount”).",
    });
    expect(matchColumns(["MV-KE-0001", "2026-03-01", "100", "129.5"])).toMatchObject({ ok: false, message: expect.stringMatching(/^The file has no column for the loan reference, date, local amount and rate\./) });
  });
});

describe("amounts", () => {
  const minor = (text: string, currency = "KES") => {
    const parsed = parseAmountText(text);
    if (!parsed.ok) return parsed.message;
    const amount = amountInMinor(parsed.amount, currency);
    return amount.ok ? amount.minor : amount.message;
  };

  it("reads digits with a decimal point into the currency's minor units", () => {
    expect(minor("1500.50")).toBe(150_050n);
    expect(minor(" 1500 ")).toBe(150_000n);
    expect(minor("0.5")).toBe(50n);
    expect(minor("12.")).toBe(1_200n);
    expect(minor("007.10")).toBe(710n);
    expect(minor("3700", "UGX")).toBe(3_700n);
    expect(minor("3700.00", "UGX")).toBe(3_700n);
  });

  it("refuses what could be read two ways, saying how to write it", () => {
    expect(minor("1,500.50")).toBe("Write the amount without thousands separators: 1500.50, not 1,500.50.");
    expect(minor("1 500")).toBe("Write the amount without thousands separators: 1500, not 1 500.");
    expect(minor("1500,50")).toBe("Use a point for decimals: 1500.50, not 1500,50.");
    expect(minor("KES 100")).toMatch(/“KES 100” is not a number/);
    expect(minor("1e3")).toMatch(/is not a number/);
    expect(minor("")).toBe("The amount is missing.");
    expect(minor("0.00")).toBe("The amount must be more than zero.");
    expect(minor("-20")).toMatch(/cannot be negative/);
    expect(minor("10.555")).toBe("KES amounts have at most 2 decimal places.");
    expect(minor("10.5", "UGX")).toBe("UGX amounts have no decimals.");
    expect(minor("9".repeat(16))).toBe("The amount is too large.");
  });
});

describe("dates and rates", () => {
  it("says how to write a date the other way round", () => {
    expect(dateFormatMessage("15/03/2026")).toBe("Write the date as YYYY-MM-DD (year first), e.g. 2026-MM-DD, not 15/03/2026.");
    expect(dateFormatMessage("")).toBe("The date is missing.");
    expect(dateFormatMessage("yesterday")).toMatch(/“yesterday” is not a date/);
  });

  it("flags a rate five times off the loan's own, in either direction, as a slip", () => {
    expect(rateSlipMessage(140, 129.5, "KES")).toBeNull();
    expect(rateSlipMessage(600, 129.5, "KES")).toBeNull();
    expect(rateSlipMessage(1295, 129.5, "KES")).toMatch(/^The rate 1295 is far from the 129.5 KES per US dollar this loan was made at/);
    expect(rateSlipMessage(0.0077, 129.5, "KES")).toMatch(/far from/);
  });
});
