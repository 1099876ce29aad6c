import { Fragment } from "react";
import { formatMoney } from "~/lib/money.ts";
import { formatRate, LOANS_DISBURSED_EXPLANATION, TRACK_RECORD_RATES, type TrackRecordJson } from "~/lib/track-record.ts";

/**
 * A partner's repayment record as rows of a `<dl className="facts">`: loans
 * paid out, then each rate with what it means for a lender. A rate with no
 * history says so instead of showing 0%, which would read as a good sign.
 */
export function TrackRecordRows({ record }: { record: TrackRecordJson }) {
  return (
    <>
      <dt>Loans paid out</dt>
      <dd>
        {record.loansDisbursed === 0 ? (
          "None yet"
        ) : (
          <>
            {record.loansDisbursed.toLocaleString("en-US")} ({formatMoney(BigInt(record.disbursedUsdCents), "USD")})
          </>
        )}
        <p className="hint">{LOANS_DISBURSED_EXPLANATION}</p>
      </dd>
      {TRACK_RECORD_RATES.map((rate) => {
        const value = record[rate.key];
        return (
          <Fragment key={rate.key}>
            <dt>{rate.label}</dt>
            <dd data-rate={rate.key}>
              {value === null ? <span className="muted">{formatRate(null)}</span> : <strong>{formatRate(value)}</strong>}
              <p className="hint">
                {value === null ? `${rate.none} ` : ""}
                {rate.explain}
              </p>
            </dd>
          </Fragment>
        );
      })}
    </>
  );
}
