import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { comprehensionQuestions, consentGate, investorsReceive, listingGate, passesCheck, splitToInvestors, workedExample } from "./equity-terms.ts";

// Hand-worked: $1,000.00 raised, investors' share 20%.
const cases: { name: string; capitalReturned: boolean; profit: bigint; expected: bigint }[] = [
  { name: "profit, capital returned: 1,000.00 + 20% of 500.00", capitalReturned: true, profit: 50_000n, expected: 110_000n },
  { name: "profit, capital not returned: 20% of 500.00", capitalReturned: false, profit: 50_000n, expected: 10_000n },
  { name: "break-even, capital returned", capitalReturned: true, profit: 0n, expected: 100_000n },
  { name: "break-even, capital not returned", capitalReturned: false, profit: 0n, expected: 0n },
  { name: "loss of 300.00, capital returned less 20% of it", capitalReturned: true, profit: -30_000n, expected: 94_000n },
  { name: "loss, capital not returned", capitalReturned: false, profit: -30_000n, expected: 0n },
  { name: "a loss larger than five times the capital leaves nothing", capitalReturned: true, profit: -600_000n, expected: 0n },
  { name: "odd cents round half away from zero: 20% of 0.03 is 0.01", capitalReturned: false, profit: 3n, expected: 1n },
];

describe("what investors receive at share-out", () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(investorsReceive({ profitShareBps: 2000, capitalReturned: c.capitalReturned }, 100_000n, c.profit)).toBe(c.expected);
    });
  }

  it("splits exactly across investors, pro rata to units", () => {
    expect(splitToInvestors(110_000n, [3, 1])).toEqual([82_500n, 27_500n]);
    expect(splitToInvestors(100n, [1, 1, 1])).toEqual([34n, 33n, 33n]);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10_000_000n }), fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 50 }), (total, units) => {
        const parts = splitToInvestors(total, units);
        expect(parts.reduce((a, b) => a + b, 0n)).toBe(total);
        expect(parts.every((p) => p >= 0n)).toBe(true);
      }),
    );
  });

  it("the worked example uses the same numbers as the distribution", () => {
    const terms = { profitShareBps: 2000, capitalReturned: true, unitPriceCents: 2_500n, maxRaiseCents: 100_000n };
    const example = workedExample(terms);
    // 40 units of $25; profit $200 -> investors get $1,000 + $40 = $1,040, one unit $26.00.
    expect(example).toMatchObject({ totalUnits: 40, profitCents: 20_000n, onProfitCents: 2_600n, lossCents: 10_000n, onLossCents: 2_450n, breakEvenCents: 2_500n });
    const all = splitToInvestors(investorsReceive(terms, 100_000n, 20_000n), [1, 39]);
    expect(all[0]).toBe(example.onProfitCents);
  });
});

describe("the members' check and the gate", () => {
  it("asks about this offering's own terms and passes only all-correct answers", () => {
    const questions = comprehensionQuestions({ profitShareBps: 2000, capitalReturned: false });
    expect(questions[0]!.options.find((o) => o.id === "right")!.text).toBe("20%");
    expect(questions[2]!.correct).toBe("nothing");
    expect(passesCheck(questions, { share: "right", say_no: "yes", loss: "nothing" })).toBe(true);
    expect(passesCheck(questions, { share: "right", say_no: "yes", loss: "capital_less_share" })).toBe(false);
    expect(passesCheck(questions, { share: "right", say_no: "yes" })).toBe(false);
  });

  it("needs a quorum, a majority yes and most voters understanding", () => {
    const base = { membersTotal: 10, present: 6, voted: 6, yes: 4, no: 2, abstain: 0, passedAmongVoters: 4, optedOut: 0 };
    expect(listingGate(base).ok).toBe(true);
    expect(listingGate({ ...base, present: 5 }).quorum).toBe(false);
    expect(listingGate({ ...base, yes: 3, no: 3 }).majority).toBe(false);
    expect(listingGate({ ...base, yes: 3, no: 1, abstain: 2 }).majority).toBe(false);
    expect(listingGate({ ...base, passedAmongVoters: 3 }).understood).toBe(false);
    expect(listingGate({ ...base, present: 5 }).reasons[0]).toMatch(/5 of 10 members/);
  });

  it("for an enterprise, passes only when the owner understood and agreed", () => {
    const owner = { membersTotal: 1, present: 1, voted: 1, yes: 1, no: 0, abstain: 0, passedAmongVoters: 1, optedOut: 0 };
    expect(consentGate("enterprise", owner)).toMatchObject({ ok: true, reasons: [] });
    expect(consentGate("enterprise", { ...owner, yes: 0, abstain: 1 })).toMatchObject({ ok: false, majority: false, reasons: ["The owner did not agree to the offering."] });
    expect(consentGate("enterprise", { ...owner, passedAmongVoters: 0 })).toMatchObject({ ok: false, understood: false });
    expect(consentGate("enterprise", { ...owner, present: 0, voted: 0, yes: 0, passedAmongVoters: 0 }).ok).toBe(false);
    // The enterprise's questions score with the same answers as a group's.
    const questions = comprehensionQuestions({ profitShareBps: 1500, capitalReturned: true }, "enterprise");
    expect(questions[1]!.text).toBe("Can you say no to this offer?");
    expect(passesCheck(questions, { share: "right", say_no: "yes", loss: "capital_less_share" })).toBe(true);
  });
});
