import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { ScorecardQuestions } from "~/components/ppi-questions.tsx";
import { countryName } from "~/lib/places.ts";
import { formatBps } from "~/lib/ppi.ts";
import { getScorecard } from "~/models/ppi.server.ts";
import { requireAdmin } from "~/utils/auth.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.scorecard.title ?? "Scorecard"} — Mavuno admin` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const scorecard = await getScorecard(params.scorecardId ?? "");
  if (!scorecard) throw new Response("Not found", { status: 404 });
  // The table as bands again: consecutive scores with the same likelihood on every line.
  const bands: { from: number; to: number; bps: number[] }[] = [];
  for (let score = 0; score <= 100; score++) {
    const bps = scorecard.povertyLines.map((l) => scorecard.lookup[l]![score]!);
    const last = bands.at(-1);
    if (last && last.bps.every((v, i) => v === bps[i])) last.to = score;
    else bands.push({ from: score, to: score, bps });
  }
  const { lookup: _lookup, importedAt, ...rest } = scorecard;
  return json({ scorecard: { ...rest, importedAt: importedAt.toISOString().slice(0, 10), countryName: countryName(scorecard.country) }, bands });
}

export default function AdminScorecard() {
  const { scorecard: card, bands } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  return (
    <section aria-labelledby="scorecard-title">
      <p><Link to="/admin/ppi">← PPI scorecards</Link></p>
      {search.get("imported") ? <p className="notice" role="status">Imported. Partner staff in {card.countryName} can now survey with it.</p> : null}
      {search.get("again") ? <p className="notice" role="status">This scorecard was already imported; nothing changed.</p> : null}
      <h1 id="scorecard-title">{card.title}</h1>
      {card.isSample ? <p className="notice warning"><strong>Sample data — not a real PPI table.</strong> Made up for the demo; never use it to measure poverty.</p> : null}
      <p>{card.countryName}, version <strong>{card.version}</strong>, imported {card.importedAt}. Poverty lines: {card.povertyLines.join("; ")}.</p>
      <h2>Questions</h2>
      <ScorecardQuestions questions={card.questions} />
      <div className="table-scroll">
        <table>
          <caption>Likelihood of living below each poverty line, by score</caption>
          <thead>
            <tr>
              <th scope="col">Scores</th>
              {card.povertyLines.map((l) => <th key={l} scope="col" className="num">{l}</th>)}
            </tr>
          </thead>
          <tbody>
            {bands.map((b) => (
              <tr key={b.from}>
                <th scope="row">{b.from === b.to ? b.from : `${b.from}–${b.to}`}</th>
                {b.bps.map((v, i) => <td key={i} className="num">{formatBps(v)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
