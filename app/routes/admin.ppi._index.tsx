import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, MaxPartSizeExceededError, redirect, unstable_createMemoryUploadHandler, unstable_parseMultipartFormData } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { ScorecardQuestions } from "~/components/ppi-questions.tsx";
import { countryName } from "~/lib/places.ts";
import { describeIssue, formatBps, PPI_FILE_MAX_BYTES, type Scorecard, type ScorecardIssue } from "~/lib/ppi.ts";
import { importScorecard, listScorecards, previewScorecard, ScorecardFileError } from "~/models/ppi.server.ts";
import { requireAdmin } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "PPI scorecards — Mavuno admin" }];

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const scorecards = await listScorecards();
  return json({ scorecards: scorecards.map((s) => ({ ...s, importedAt: dateFormat.format(s.importedAt), countryName: countryName(s.country) })) });
}

type ActionData =
  | { step: "refused"; issues: ScorecardIssue[] }
  | { step: "preview"; source: string; countryName: string; scorecard: Scorecard; warnings: ScorecardIssue[]; status: "new" | "already-imported" | "conflict"; existingId: string | null };

const refuse = (message: string) => json<ActionData>({ step: "refused", issues: [{ line: null, field: "file", message }] }, { status: 400 });

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireAdmin(request);
  // Step 1, the upload (multipart): check the file and show what it holds.
  if (request.headers.get("Content-Type")?.startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: PPI_FILE_MAX_BYTES }));
    } catch (error) {
      if (error instanceof MaxPartSizeExceededError) return refuse(`The file is larger than ${PPI_FILE_MAX_BYTES / 1024} KB; a scorecard is far smaller.`);
      return refuse("The upload did not arrive whole. Try again.");
    }
    const file = form.get("file");
    if (!(file instanceof Blob) || file.size === 0) return refuse("Choose the scorecard file (CSV), then upload it.");
    const source = new TextDecoder("utf-8", { fatal: false }).decode(await file.arrayBuffer());
    const preview = await previewScorecard(source);
    if (!preview.ok) return json<ActionData>({ step: "refused", issues: preview.issues }, { status: 400 });
    const { scorecard, warnings, status, existingId } = preview;
    return json<ActionData>({ step: "preview", source, countryName: countryName(scorecard.country), scorecard, warnings, status, existingId });
  }
  // Step 2, the confirmation: the checked text comes back in the form, so nothing is kept between the steps.
  const form = await request.formData();
  const source = form.get("source");
  if (typeof source !== "string" || source.trim() === "") return refuse("Upload the scorecard file again.");
  try {
    const { scorecardId, outcome } = await importScorecard({ source, importedById: user.id });
    return redirect(`/admin/ppi/${scorecardId}?${outcome === "imported" ? "imported=1" : "again=1"}`);
  } catch (error) {
    if (error instanceof ScorecardFileError) return json<ActionData>({ step: "refused", issues: error.issues }, { status: 400 });
    throw error;
  }
}

const PREVIEW_SCORES = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

export default function AdminPpi() {
  const { scorecards } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  return (
    <section aria-labelledby="ppi-title">
      <p><Link to="/admin">← Admin</Link></p>
      <h1 id="ppi-title">PPI scorecards</h1>
      <p>
        A scorecard is imported once per country and version and never changed afterwards: surveys keep the score
        they were given, and scores are only compared within one version. A corrected table is a new version.
      </p>

      {scorecards.length === 0 ? (
        <p>No scorecard has been imported yet.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption>Imported scorecards, by country, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Country</th>
                <th scope="col">Version</th>
                <th scope="col">Title</th>
                <th scope="col">Poverty lines</th>
                <th scope="col" className="num">Questions</th>
                <th scope="col" className="num">Surveys</th>
                <th scope="col">Imported</th>
              </tr>
            </thead>
            <tbody>
              {scorecards.map((s) => (
                <tr key={s.id}>
                  <td>{s.countryName}</td>
                  <td><Link to={`/admin/ppi/${s.id}`}>{s.version}</Link></td>
                  <td>
                    {s.title}
                    {s.isSample ? <><br /><strong className="sample-label">Sample data — not a real PPI table</strong></> : null}
                  </td>
                  <td>{s.povertyLines.join("; ")}</td>
                  <td className="num">{s.questionCount}</td>
                  <td className="num">{s.surveys.toLocaleString("en-US")}</td>
                  <td>{s.importedAt}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {data?.step === "preview" ? <Preview data={data} /> : null}

      <h2 id="upload-title">Import a scorecard file</h2>
      <p>A CSV file, as a spreadsheet saves it. Each row starts with what it is:</p>
      <div className="table-scroll">
      <pre className="file-example">{`country,KE
version,2026-1
title,Kenya PPI 2026
sample,no
line,National poverty line
line,$2.15/day (2017 PPP)
question,How many members does the household have?
answer,Seven or more,0
answer,Five or six,7
…            (each question, then its answers with their points)
likelihood,0,4,98.2,94.0
likelihood,5,9,96.9,89.3
…            (score from, score to, then the % below each line, in order)`}</pre>
      </div>
      <ul>
        <li>Answers follow their question; points are whole numbers, and the best answers add up to at most 100.</li>
        <li>The likelihood rows are the published score bands; together they cover every score from 0 to 100 once.</li>
        <li>Write <strong>sample,yes</strong> for made-up tables: they are labelled as sample data wherever they appear.</li>
        <li>Rows starting with # are notes and are skipped.</li>
      </ul>
      <Form method="post" encType="multipart/form-data" aria-labelledby="upload-title">
        {data?.step === "refused" ? <Issues issues={data.issues} /> : null}
        <div className="field">
          <label htmlFor="field-file">Scorecard file (CSV, at most {PPI_FILE_MAX_BYTES / 1024} KB)</label>
          <input
            id="field-file"
            name="file"
            type="file"
            accept=".csv,text/csv,text/plain"
            required
            aria-invalid={data?.step === "refused" ? true : undefined}
            aria-describedby={data?.step === "refused" ? "file-issues" : undefined}
          />
        </div>
        <button type="submit" disabled={busy}>{busy ? "Checking…" : "Upload and check"}</button>
      </Form>
    </section>
  );
}

function Issues({ issues }: { issues: ScorecardIssue[] }) {
  return (
    <div className="form-error" role="alert" id="file-issues">
      <p>The file cannot be imported{issues.length > 1 ? ` (${issues.length} problems)` : ""}:</p>
      <ul>
        {issues.slice(0, 50).map((issue, i) => <li key={i}>{describeIssue(issue)}</li>)}
      </ul>
      {issues.length > 50 ? <p>…and {issues.length - 50} more.</p> : null}
    </div>
  );
}

function Preview({ data }: { data: Extract<ActionData, { step: "preview" }> }) {
  const { scorecard: card, status } = data;
  return (
    <section aria-labelledby="preview-title" className="preview">
      <h2 id="preview-title">Check before importing: {card.title}</h2>
      {card.isSample ? <p className="notice warning"><strong>Sample data — not a real PPI table.</strong></p> : null}
      <p>
        {data.countryName}, version <strong>{card.version}</strong>; {card.questions.length} questions; poverty lines:{" "}
        {card.povertyLines.join("; ")}.
      </p>
      {data.warnings.length ? (
        <div className="notice warning">
          <p>Worth a second look:</p>
          <ul>{data.warnings.map((w, i) => <li key={i}>{describeIssue(w)}</li>)}</ul>
        </div>
      ) : null}
      <h3>Questions</h3>
      <ScorecardQuestions questions={card.questions} />
      <div className="table-scroll">
        <table>
          <caption>Likelihood of living below each poverty line, at some of the 101 scores</caption>
          <thead>
            <tr>
              <th scope="col" className="num">Score</th>
              {card.povertyLines.map((l) => <th key={l} scope="col" className="num">{l}</th>)}
            </tr>
          </thead>
          <tbody>
            {PREVIEW_SCORES.map((score) => (
              <tr key={score}>
                <th scope="row" className="num">{score}</th>
                {card.povertyLines.map((l) => <td key={l} className="num">{formatBps(card.lookup[l]![score]!)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {status === "conflict" ? (
        <div className="form-error" role="alert">
          {card.country} version “{card.version}” is already imported with a different table. Scorecards are never changed
          once imported: give the corrected file a new version.
        </div>
      ) : (
        <Form method="post">
          <input type="hidden" name="source" value={data.source} />
          {status === "already-imported" ? (
            <p className="notice">This exact scorecard is already imported; importing it again changes nothing.</p>
          ) : null}
          <button type="submit">{status === "already-imported" ? "Open the imported scorecard" : `Import ${card.country} version ${card.version}`}</button>
        </Form>
      )}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
