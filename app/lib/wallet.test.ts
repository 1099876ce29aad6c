import { describe, expect, it } from "vitest";
import { csvCell, csvRow, entryLink, planRefunds } from "./wallet.ts";

describe("entryLink", () => {
  it("links a movement to what caused it, a loan before anything else", () => {
    expect(entryLink({ loanId: "loan_1", cardPaymentId: "cp1" })).toEqual({ href: "/loans/loan_1", label: "Loan" });
    expect(entryLink({ withdrawalId: "w1", holdId: "7" })).toEqual({ href: "/wallet/withdrawals/w1", label: "Withdrawal" });
    expect(entryLink({ cardPaymentId: "cp1", refundId: "re_1" })).toEqual({ href: "/wallet/payments/cp1", label: "Card payment" });
    expect(entryLink({ userId: "u1" })).toBeNull();
  });

  it("never builds a link from an id that could change the path", () => {
    expect(entryLink({ loanId: "../admin" })).toBeNull();
    expect(entryLink({ cardPaymentId: "a/b" })).toBeNull();
  });
});

describe("planRefunds", () => {
  const payments = [
    { id: "newest", refundable: 1000n },
    { id: "spent", refundable: 0n },
    { id: "older", refundable: 5000n },
  ];

  it("takes from the most recent payment first, never more than each has left", () => {
    expect(planRefunds(700n, payments)).toEqual([{ id: "newest", amount: 700n }]);
    expect(planRefunds(2500n, payments)).toEqual([
      { id: "newest", amount: 1000n },
      { id: "older", amount: 1500n },
    ]);
    expect(planRefunds(6000n, payments)).toEqual([
      { id: "newest", amount: 1000n },
      { id: "older", amount: 5000n },
    ]);
  });

  it("refuses what the payments cannot cover together", () => {
    expect(planRefunds(6001n, payments)).toBeNull();
    expect(planRefunds(1n, [])).toBeNull();
  });
});

describe("CSV", () => {
  it("quotes commas, quotes and line breaks, and defuses formulas in text", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell("-5.00", { raw: true })).toBe("-5.00");
    expect(csvRow(["a", "b"])).toBe("a,b\r\n");
  });
});
