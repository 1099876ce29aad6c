// A field partner's track record as a lender reads it: the rates computed from
// repayments (app/models/repayment.server.ts, partnerTrackRecords), each with
// what it means for the lender's money. Shared by the public partner page, the
// loan page and the partner portal, so it lives outside any .server module.
// A type only: erased from the bundle, so nothing server-side reaches the browser.
import type { TrackRecord } from "~/models/repayment.server.ts";
import { percentFromBps } from "./loan-labels.ts";

/** What a loader sends: bigints as strings (JSON has none). */
export type TrackRecordJson = Omit<TrackRecord, "disbursedUsdCents"> & { disbursedUsdCents: string };

export function trackRecordJson(record: TrackRecord): TrackRecordJson {
  return { ...record, disbursedUsdCents: record.disbursedUsdCents.toString() };
}

export const NOT_ENOUGH_HISTORY = "Not enough history yet";

/** A rate for people: "97.5%", or why there is none. */
export function formatRate(bps: number | null): string {
  return bps === null ? NOT_ENOUGH_HISTORY : percentFromBps(bps);
}

export type RateKey = "repaymentRateBps" | "par30Bps" | "defaultRateBps" | "fxLossRateBps";

/**
 * The four rates in the order a lender weighs them. `better` says which way is
 * good, so pages never have to guess; `explain` is what the number means for
 * the lender, in plain words; `none` is why a rate can be missing.
 */
export const TRACK_RECORD_RATES: readonly { key: RateKey; label: string; better: "higher" | "lower"; explain: string; none: string }[] = [
  {
    key: "repaymentRateBps",
    label: "Repayment rate",
    better: "higher",
    explain:
      "Of the money this partner's borrowers should have repaid by now, the share they have repaid. 100% means every instalment due so far was paid; lower means lenders are still waiting for money that was due.",
    none: "No repayment has fallen due yet.",
  },
  {
    key: "par30Bps",
    label: "Portfolio at risk (PAR30)",
    better: "lower",
    explain:
      "Of the money still owed on this partner's loans, the share owed on loans with a repayment more than 30 days late. The higher it is, the more likely lenders are to get money back late, or not at all.",
    none: "No loan of this partner is being repaid right now.",
  },
  {
    key: "defaultRateBps",
    label: "Default rate",
    better: "lower",
    explain:
      "Of all the money lent through this partner, the share not repaid on loans that defaulted or were written off: money lenders have lost so far.",
    none: "No loan of this partner has been paid out yet.",
  },
  {
    key: "fxLossRateBps",
    label: "Currency loss rate",
    better: "lower",
    explain:
      "Borrowers repay in their local currency and lenders are repaid in US dollars. When the local currency weakens, a repayment buys fewer dollars: this is the share of repaid money lost that way.",
    none: "Nothing has been repaid yet.",
  },
];

export const LOANS_DISBURSED_EXPLANATION = "Loans this partner has paid out to borrowers through Mavuno. The rates are worked out from these loans.";
