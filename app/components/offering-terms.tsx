import { percentFromBps } from "~/lib/loan-labels.ts";
import { formatMoney, toDecimalString } from "~/lib/money.ts";
import { termsSummary } from "~/lib/offering-summary.ts";

/** An offering's terms as loaders send them (bigints as strings, dates as ISO strings). */
export type OfferingTermsView = {
  profitShareBps: number;
  capitalReturned: boolean;
  unitPriceCents: string;
  maxRaiseCents: string;
  minRaiseCents: string;
  perInvestorMaxUnits: number;
  cancellationHours: number;
  cycleStart: string;
  cycleEnd: string;
  fundraisingDeadline: string;
};

export function offeringTermsView(o: {
  profitShareBps: number;
  capitalReturned: boolean;
  unitPriceCents: bigint;
  maxRaiseCents: bigint;
  minRaiseCents: bigint;
  perInvestorMaxUnits: number;
  cancellationHours: number;
  cycleStart: Date;
  cycleEnd: Date;
  fundraisingDeadline: Date;
}): OfferingTermsView {
  return {
    profitShareBps: o.profitShareBps,
    capitalReturned: o.capitalReturned,
    unitPriceCents: o.unitPriceCents.toString(),
    maxRaiseCents: o.maxRaiseCents.toString(),
    minRaiseCents: o.minRaiseCents.toString(),
    perInvestorMaxUnits: o.perInvestorMaxUnits,
    cancellationHours: o.cancellationHours,
    cycleStart: o.cycleStart.toISOString(),
    cycleEnd: o.cycleEnd.toISOString(),
    fundraisingDeadline: o.fundraisingDeadline.toISOString(),
  };
}

/** The draft form's values for an existing offering. */
export function offeringFormValues(t: OfferingTermsView & { groupId: string | null; clientId: string | null; title: string; risks: string }): Record<string, string> {
  return {
    groupId: t.groupId ?? "",
    clientId: t.clientId ?? "",
    title: t.title,
    maxRaise: toDecimalString(BigInt(t.maxRaiseCents), "USD"),
    minRaise: toDecimalString(BigInt(t.minRaiseCents), "USD"),
    unitPrice: toDecimalString(BigInt(t.unitPriceCents), "USD"),
    profitSharePercent: String(t.profitShareBps / 100),
    capitalReturned: t.capitalReturned ? "yes" : "no",
    cycleStart: t.cycleStart.slice(0, 10),
    cycleEnd: t.cycleEnd.slice(0, 10),
    fundraisingDeadline: t.fundraisingDeadline.slice(0, 10),
    perInvestorMaxUnits: String(t.perInvestorMaxUnits),
    cancellationHours: String(t.cancellationHours),
    risks: t.risks,
  };
}

/** The plain-language summary and the worked example, computed from the terms by the same functions as the distribution. */
export function OfferingTerms({ terms, headingLevel = 2 }: { terms: OfferingTermsView; headingLevel?: 2 | 3 }) {
  const summary = termsSummary({
    ...terms,
    unitPriceCents: BigInt(terms.unitPriceCents),
    maxRaiseCents: BigInt(terms.maxRaiseCents),
    minRaiseCents: BigInt(terms.minRaiseCents),
  });
  const H = headingLevel === 2 ? "h2" : "h3";
  const usd = (c: bigint) => formatMoney(c, "USD");
  return (
    <>
      <section aria-labelledby="terms-summary-title">
        <H id="terms-summary-title">The terms in plain words</H>
        <ul className="terms-summary">
          {summary.points.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="worked-example-title">
        <H id="worked-example-title">Worked example</H>
        <p>{summary.exampleSentences.profit}</p>
        <p>{summary.exampleSentences.breakEven}</p>
        <p>{summary.exampleSentences.loss}</p>
        <div className="table-scroll">
          <table>
            <caption>What one unit of {usd(summary.example.unitPriceCents)} receives at share-out, if all {summary.example.totalUnits} units are sold (investors' share {percentFromBps(terms.profitShareBps)})</caption>
            <thead>
              <tr><th scope="col">The group's cycle</th><th scope="col" className="num">One unit receives</th></tr>
            </thead>
            <tbody>
              <tr><th scope="row">Earns {usd(summary.example.profitCents)}</th><td className="num">{usd(summary.example.onProfitCents)}</td></tr>
              <tr><th scope="row">Breaks even</th><td className="num">{usd(summary.example.breakEvenCents)}</td></tr>
              <tr><th scope="row">Loses {usd(summary.example.lossCents)}</th><td className="num">{usd(summary.example.onLossCents)}</td></tr>
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
