// Micro-equity terms with no I/O: what investors receive at share-out, each
// investor's part, the worked example shown to investors and members (computed
// by the same functions, so it cannot disagree with the terms), and the
// members' comprehension check and the listing gate.
import { allocate } from "./money.ts";

export type Terms = {
  /** Investors' share of the cycle's net profit, basis points (2000 = 20%). */
  profitShareBps: number;
  /** Whether investors' capital is paid back at share-out. */
  capitalReturned: boolean;
  unitPriceCents: bigint;
  maxRaiseCents: bigint;
};

/** round(n / d) for d > 0, halves away from zero. */
function divRound(n: bigint, d: bigint): bigint {
  const negative = n < 0n;
  const m = negative ? -n : n;
  const q = (m * 2n + d) / (2n * d);
  return negative ? -q : q;
}

/**
 * What all investors receive together at share-out, in US cents, for capital
 * `raisedCents` and a cycle net profit of `netProfitCents` (negative: a loss).
 * Profit: their share of it, plus their capital if it is returned. Loss: if
 * capital is returned, it comes back less their share of the loss (never below
 * nothing); if capital is not returned, they receive nothing.
 */
export function investorsReceive(terms: Pick<Terms, "profitShareBps" | "capitalReturned">, raisedCents: bigint, netProfitCents: bigint): bigint {
  const share = divRound(netProfitCents * BigInt(terms.profitShareBps), 10_000n);
  if (netProfitCents >= 0n) return (terms.capitalReturned ? raisedCents : 0n) + share;
  if (!terms.capitalReturned) return 0n;
  const left = raisedCents + share;
  return left > 0n ? left : 0n;
}

/** Each investor's part, pro rata to units by largest remainder (ties to the earliest holding). */
export function splitToInvestors(totalCents: bigint, units: readonly number[]): bigint[] {
  if (units.length === 0) return [];
  return allocate(totalCents, units.map(BigInt));
}

export type WorkedExample = {
  unitPriceCents: bigint;
  totalUnits: number;
  profitCents: bigint;
  /** What one unit receives if the group earns `profitCents`. */
  onProfitCents: bigint;
  lossCents: bigint;
  /** What one unit receives if the group loses `lossCents`. */
  onLossCents: bigint;
  breakEvenCents: bigint;
};

/**
 * The example on the offering page: the offering fully sold, a profit of a
 * fifth of the capital and a loss of a tenth, for one unit. One unit's part
 * is computed by the same split as the real distribution.
 */
export function workedExample(terms: Terms): WorkedExample {
  const totalUnits = Number(terms.maxRaiseCents / terms.unitPriceCents);
  const raised = BigInt(totalUnits) * terms.unitPriceCents;
  const profit = raised / 5n;
  const loss = raised / 10n;
  const oneUnit = (total: bigint) => splitToInvestors(total, totalUnits > 1 ? [1, totalUnits - 1] : [1])[0]!;
  return {
    unitPriceCents: terms.unitPriceCents,
    totalUnits,
    profitCents: profit,
    onProfitCents: oneUnit(investorsReceive(terms, raised, profit)),
    lossCents: loss,
    onLossCents: oneUnit(investorsReceive(terms, raised, -loss)),
    breakEvenCents: oneUnit(investorsReceive(terms, raised, 0n)),
  };
}

// ---------------------------------------------------------------------------
// The members' comprehension check

export type Question = { id: string; text: string; options: { id: string; text: string }[]; correct: string };

/** Who decides on an offering: a savings group's members together, or a client who owns the enterprise. */
export type OfferingOwner = "group" | "enterprise";

/**
 * Three questions, worded from this offering's own terms (domain: share to
 * investors, the right to say no, a loss). The same answers for a group and an
 * enterprise, so one check and one scoring serve both.
 */
export function comprehensionQuestions(terms: Pick<Terms, "profitShareBps" | "capitalReturned">, owner: OfferingOwner = "group"): Question[] {
  const who = owner === "group" ? "the group" : "the enterprise";
  const pct = (bps: number) => `${(bps / 100).toLocaleString("en-US", { maximumFractionDigits: 2 })}%`;
  const share = pct(terms.profitShareBps);
  const wrongShares = [terms.profitShareBps === 10_000 ? 5000 : Math.min(10_000, terms.profitShareBps * 2), Math.floor(terms.profitShareBps / 2)]
    .filter((b) => b !== terms.profitShareBps)
    .map(pct);
  return [
    {
      id: "share",
      text: `What part of ${who}'s profit for this cycle goes to the investors?`,
      options: [
        { id: "right", text: share },
        ...wrongShares.map((text, i) => ({ id: `wrong${i + 1}`, text })),
        { id: "all", text: "All of it" },
      ],
      correct: "right",
    },
    {
      id: "say_no",
      text: owner === "group" ? "Can the group say no to this offer, and can a member opt out?" : "Can you say no to this offer?",
      options:
        owner === "group"
          ? [
              { id: "yes", text: "Yes: the group may refuse, and any member may opt out, with no penalty" },
              { id: "no", text: "No: once the partner proposes it, the group must accept" },
            ]
          : [
              { id: "yes", text: "Yes: you may refuse, with no penalty and no effect on your loans" },
              { id: "no", text: "No: once the partner proposes it, you must accept" },
            ],
      correct: "yes",
    },
    {
      id: "loss",
      text: `If ${who} makes a loss this cycle, what do the investors receive?`,
      options: [
        {
          id: "capital_less_share",
          text: "Their money back, less their share of the loss",
        },
        { id: "nothing", text: "Nothing: their money is spent with the cycle" },
        { id: "full", text: `Their money back in full, and ${who} pays any loss` },
      ],
      correct: terms.capitalReturned ? "capital_less_share" : "nothing",
    },
  ];
}

/** A member passes when every question is answered correctly. */
export function passesCheck(questions: readonly Question[], answers: Record<string, string | undefined>): boolean {
  return questions.every((q) => answers[q.id] === q.correct);
}

export type MeetingTally = { membersTotal: number; present: number; voted: number; yes: number; no: number; abstain: number; passedAmongVoters: number; optedOut: number };

export type GateResult = { ok: boolean; quorum: boolean; majority: boolean; understood: boolean; reasons: string[] };

/**
 * May the offering go to review? A quorum (more than half the members
 * present), a majority yes (more yes votes than half of those who voted,
 * abstentions counting as not yes), and most voters passing the check.
 */
export function listingGate(t: MeetingTally): GateResult {
  const quorum = t.membersTotal > 0 && t.present * 2 > t.membersTotal;
  const majority = t.voted > 0 && t.yes * 2 > t.voted;
  const understood = t.voted > 0 && t.passedAmongVoters * 2 > t.voted;
  const reasons: string[] = [];
  if (!quorum) reasons.push(`No quorum: ${t.present} of ${t.membersTotal} members were present; more than half must be.`);
  if (!majority) reasons.push(`No majority: ${t.yes} of ${t.voted} voters said yes; more than half must.`);
  if (!understood) reasons.push(`Not understood: ${t.passedAmongVoters} of ${t.voted} voters passed the comprehension check; more than half must.`);
  return { ok: quorum && majority && understood, quorum, majority, understood, reasons };
}

/**
 * An enterprise's "meeting" is its owner's own consent: the owner heard the
 * terms, passed the check and agreed. The owner alone decides, so there is no
 * quorum or majority to count; the fields mean: present (the owner took part),
 * agreed, understood.
 */
export function ownerConsentGate(t: MeetingTally): GateResult {
  const quorum = t.present > 0;
  const majority = t.voted > 0 && t.yes === t.voted;
  const understood = t.voted > 0 && t.passedAmongVoters === t.voted;
  const reasons: string[] = [];
  if (!quorum) reasons.push("The owner's answers and decision are not recorded.");
  else {
    if (!majority) reasons.push("The owner did not agree to the offering.");
    if (!understood) reasons.push("The owner did not answer all three questions correctly: explain the terms again and record their answers.");
  }
  return { ok: quorum && majority && understood, quorum, majority, understood, reasons };
}

/** The gate for either kind of offering. */
export function consentGate(owner: OfferingOwner, t: MeetingTally): GateResult {
  return owner === "group" ? listingGate(t) : ownerConsentGate(t);
}
