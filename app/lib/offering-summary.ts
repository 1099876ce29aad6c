// The plain-language terms summary and worked example shown to members,
// partner staff, reviewers and investors. Every figure comes from
// equity-terms (workedExample → investorsReceive → splitToInvestors), so the
// words cannot disagree with the distribution that will be paid.
import { workedExample, type Terms, type WorkedExample } from "./equity-terms.ts";
import { percentFromBps } from "./loan-labels.ts";
import { formatMoney } from "./money.ts";

export type SummaryTerms = Terms & {
  minRaiseCents: bigint;
  perInvestorMaxUnits: number;
  cancellationHours: number;
  /** ISO dates (yyyy-mm-dd) or instants. */
  cycleStart: string;
  cycleEnd: string;
  fundraisingDeadline: string;
};

export type TermsSummary = {
  points: string[];
  example: WorkedExample;
  exampleSentences: { profit: string; breakEven: string; loss: string };
};

const usd = (cents: bigint) => formatMoney(cents, "USD");
const day = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" });
const date = (iso: string) => day.format(new Date(iso));

export function termsSummary(terms: SummaryTerms): TermsSummary {
  const example = workedExample(terms);
  const units = example.totalUnits;
  const share = percentFromBps(terms.profitShareBps);
  const points = [
    `The group seeks up to ${usd(terms.maxRaiseCents)} in ${units.toLocaleString("en-US")} units of ${usd(terms.unitPriceCents)}. Your money joins the group's loan fund for the cycle from ${date(terms.cycleStart)} to ${date(terms.cycleEnd)}.`,
    `Investors together receive ${share} of the group's net profit for the cycle, shared by units.`,
    terms.capitalReturned
      ? `Your capital is returned at the cycle's share-out, less your share of any loss. It is not guaranteed: a large enough loss can take all of it.`
      : `Your capital is NOT returned: it is spent with the cycle. You receive only your share of any profit; after a loss you receive nothing.`,
    `The offering must raise at least ${usd(terms.minRaiseCents)} by ${date(terms.fundraisingDeadline)}; if it does not, everyone is refunded in full.`,
    `One investor may hold at most ${terms.perInvestorMaxUnits.toLocaleString("en-US")} units. You may cancel within ${terms.cancellationHours} hours of buying for a full refund.`,
  ];
  const one = `one unit (${usd(example.unitPriceCents)})`;
  const exampleSentences = {
    profit: `If all ${units.toLocaleString("en-US")} units are sold and the group earns ${usd(example.profitCents)} in the cycle, ${one} receives ${usd(example.onProfitCents)}.`,
    breakEven: `If the group breaks even, ${one} receives ${usd(example.breakEvenCents)}.`,
    loss: `If the group loses ${usd(example.lossCents)}, ${one} receives ${usd(example.onLossCents)}.`,
  };
  return { points, example, exampleSentences };
}

export const OFFERING_STATUS_LABELS: Record<string, string> = {
  draft: "Draft",
  submitted: "Waiting for review",
  listed: "Open to investors",
  closed: "Funded: cycle under way",
  refunded: "Did not reach its minimum: refunded",
  distributed: "Shared out",
  cancelled: "Cancelled",
};

/** Why a purchase paid partly by card was not bought when the payment arrived (the money stays in the wallet). */
export const UNFILLED_REASONS: Record<"closed" | "limit" | "sold_out" | "funds", string> = {
  closed: "the offering had closed to investors by then.",
  sold_out: "the units had been sold to other investors by then.",
  limit: "you would have held more units than one investor may.",
  funds: "your wallet no longer held enough for them.",
};

export const HOLDING_STATUS_LABELS: Record<string, string> = {
  held: "Held until the offering closes",
  active: "Invested for the cycle",
  cancelled: "Cancelled: refunded",
  refunded: "Refunded",
  unfilled_closed: "Not bought: the offering had closed; your card payment is in your wallet",
  unfilled_sold_out: "Not bought: sold out; your card payment is in your wallet",
  unfilled_limit: "Not bought: over the per-investor limit; your card payment is in your wallet",
  unfilled_funds: "Not bought: your wallet no longer held enough; your card payment is in your wallet",
};
