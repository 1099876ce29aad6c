// A client's PPI surveys: record one (the form scores it as it is filled in
// when JavaScript runs, and on "Check the score" when it does not) and read the
// history, which says where the scorecard changed and scores stop being comparable.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Fragment, useState } from "react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { FormError } from "~/components/forms.tsx";
import { fieldErrors } from "~/lib/forms.ts";
import { formatBps, likelihoodsFor, scoreAnswers } from "~/lib/ppi.ts";
import { getClient } from "~/models/client.server.ts";
import { liveConsents } from "~/models/consent.server.ts";
import {
  answersFromForm,
  getScorecard,
  PpiError,
  recordSurvey,
  scorecardsForCountry,
  scoreSurvey,
  surveyHistory,
  surveySchema,
  SurveyAnswersError,
} from "~/models/ppi.server.ts";
import { MANAGING_ROLES, requireStaffPartner } from "~/utils/auth.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `PPI — ${data?.client.fullName ?? "Client"} — Mavuno partner portal` }];

async function context(request: Request, params: { partnerId?: string; clientId?: string }) {
  const { user, partner } = await requireStaffPartner(request, params.partnerId ?? "", MANAGING_ROLES);
  const client = await getClient(partner.id, params.clientId ?? "");
  if (!client) throw new Response("Not found", { status: 404 });
  return { user, partner, client };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { partner, client } = await context(request, params);
  const url = new URL(request.url);
  const scorecards = await scorecardsForCountry(partner.country);
  const chosenId = scorecards.find((s) => s.id === url.searchParams.get("scorecard"))?.id ?? scorecards[0]?.id ?? null;
  const [card, history, consents] = await Promise.all([chosenId ? getScorecard(chosenId) : null, surveyHistory(partner.id, client.id), liveConsents([client.id])]);
  const savedId = url.searchParams.get("saved");
  return json(
    {
      partnerId: partner.id,
      client: { id: client.id, fullName: client.fullName },
      counted: consents.get(client.id)?.purposes.has("ppi") ?? false,
      scorecards: scorecards.map((s, i) => ({ id: s.id, version: s.version, title: s.title, isSample: s.isSample, inForce: i === 0 })),
      card: card && { id: card.id, version: card.version, title: card.title, isSample: card.isSample, povertyLines: card.povertyLines, questions: card.questions, lookup: card.lookup },
      history,
      saved: history.find((h) => h.id === savedId) ?? null,
      today: new Date().toISOString().slice(0, 10),
      requestKey: crypto.randomUUID(),
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

type ActionData = {
  intent: "check" | "save";
  errors: Record<string, string[]>;
  values: Record<string, string>;
  answers: Record<string, string>;
  checked?: { score: number; likelihoods: { line: string; bps: number }[] };
};

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, partner, client } = await context(request, params);
  const form = await request.formData();
  const intent = form.get("intent") === "check" ? "check" : "save";
  const values = { scorecardId: String(form.get("scorecardId") ?? ""), surveyedOn: String(form.get("surveyedOn") ?? ""), requestKey: String(form.get("requestKey") ?? "") };
  const pairs = answersFromForm(form);
  const answers = Object.fromEntries(pairs);
  const fail = (errors: Record<string, string[]>) => json<ActionData>({ intent, errors, values, answers }, { status: 400 });
  try {
    if (intent === "check") {
      const { score, likelihoods } = await scoreSurvey({ country: partner.country, scorecardId: values.scorecardId, answers: pairs });
      return json<ActionData>({ intent, errors: {}, values, answers, checked: { score, likelihoods } });
    }
    const parsed = surveySchema.safeParse(values);
    // Answers are checked as well, so every missing one is named in the same reply as a wrong date.
    let answerErrors: Record<string, string[]> = {};
    try {
      await scoreSurvey({ country: partner.country, scorecardId: values.scorecardId, answers: pairs });
    } catch (error) {
      if (!(error instanceof SurveyAnswersError)) throw error;
      answerErrors = error.errors;
    }
    if (!parsed.success || Object.keys(answerErrors).length > 0) return fail({ ...(parsed.success ? {} : fieldErrors(parsed.error)), ...answerErrors });
    const saved = await recordSurvey({ ...parsed.data, partnerId: partner.id, clientId: client.id, recordedById: user.id, answers: pairs });
    return redirect(`/portal/${partner.id}/clients/${client.id}/ppi?${new URLSearchParams({ saved: saved.surveyId, scorecard: values.scorecardId })}`);
  } catch (error) {
    if (error instanceof SurveyAnswersError) return fail(error.errors);
    if (error instanceof PpiError) return fail({ [error.field]: [error.message] });
    throw error;
  }
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
const showDate = (iso: string) => dateFormat.format(new Date(`${iso}T00:00:00Z`));

export default function ClientPpi() {
  const { partnerId, client, counted, scorecards, card, history, saved, today, requestKey } = useLoaderData<typeof loader>();
  const base = `/portal/${partnerId}/clients/${client.id}`;

  return (
    <section aria-labelledby="ppi-title">
      <p><Link to={base}>← {client.fullName}</Link></p>
      <h1 id="ppi-title">Poverty survey (PPI): {client.fullName}</h1>
      {counted ? (
        <p>This client agreed that their scores count in the partner&apos;s and Mavuno&apos;s poverty figures.</p>
      ) : (
        <p className="notice warning">
          This client has not agreed to the PPI purpose: surveys are recorded for your own work but do not count in any
          poverty figure until they agree (record it under Consent on <Link to={base}>their page</Link>).
        </p>
      )}

      {saved ? (
        <div className="notice" role="status">
          <p>
            Survey of {showDate(saved.surveyedOn)} saved: score <strong>{saved.score}</strong> on scorecard {saved.version}.
          </p>
          <p>Likelihood of living below: {saved.likelihoods.map((l) => `${l.line} ${l.bps === null ? "—" : formatBps(l.bps)}`).join("; ")}.</p>
        </div>
      ) : null}

      <h2>Surveys so far</h2>
      {history.length === 0 ? (
        <p>No survey has been recorded for this client yet.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption>{client.fullName}&apos;s PPI surveys, oldest first. Scores compare only within one scorecard version.</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Scorecard</th>
                <th scope="col" className="num">Score</th>
                <th scope="col">Likelihood of living below</th>
                <th scope="col">Recorded by</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h) => (
                <Fragment key={h.id}>
                  {h.changedFrom ? (
                    <tr className="version-change">
                      <td colSpan={5}>
                        <strong>Not comparable: scorecard changed from {h.changedFrom} to {h.version}.</strong> Scores above and below this line come from different tables.
                      </td>
                    </tr>
                  ) : null}
                  <tr>
                    <td>{showDate(h.surveyedOn)}</td>
                    <td>{h.version}{h.isSample ? " (sample data)" : ""}</td>
                    <td className="num">{h.score}</td>
                    <td>{h.likelihoods.map((l) => `${l.line}: ${l.bps === null ? "—" : formatBps(l.bps)}`).join("; ")}</td>
                    <td>{h.recordedBy ?? "—"}</td>
                  </tr>
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2 id="record-title">Record a survey</h2>
      {!card ? (
        <p>No PPI scorecard has been imported for your country yet. A platform admin imports scorecards.</p>
      ) : (
        <>
          {scorecards.length > 1 ? (
            <Form method="get" className="inline-form" aria-label="Choose the scorecard">
              <div className="field">
                <label htmlFor="field-scorecard">Scorecard</label>
                <select id="field-scorecard" name="scorecard" defaultValue={card.id}>
                  {scorecards.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.title} ({s.version}{s.inForce ? ", in force" : ", older version"})
                    </option>
                  ))}
                </select>
              </div>
              <button type="submit" className="secondary">Use this scorecard</button>
            </Form>
          ) : null}
          {card.isSample ? <p className="notice warning"><strong>Sample data — not a real PPI table.</strong> Scores from it measure nothing.</p> : null}
          <SurveyForm key={`${card.id}:${requestKey}`} card={card} today={today} requestKey={requestKey} />
        </>
      )}
    </section>
  );
}

type Card = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["card"]>;

/** Keyed by the request key, so a saved survey leaves a fresh form behind. */
function SurveyForm({ card, today, requestKey }: { card: Card; today: string; requestKey: string }) {
  const data = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const sameCard = data !== undefined && data.values.scorecardId === card.id;
  const [chosen, setChosen] = useState<Record<string, string>>(sameCard ? data.answers : {});
  const answered = card.questions.filter((q) => chosen[q.id]).length;
  const live = answered === card.questions.length ? scoreAnswers(card, chosen) : null;
  return (
          <Form method="post" noValidate aria-labelledby="record-title">
            <FormError errors={data?.errors[""] ?? data?.errors.scorecardId ?? data?.errors.requestKey} />
            <input type="hidden" name="scorecardId" value={card.id} />
            <input type="hidden" name="requestKey" value={sameCard ? data.values.requestKey || requestKey : requestKey} />
            <div className="field">
              <label htmlFor="field-surveyedOn">Date of the survey</label>
              <input
                id="field-surveyedOn"
                name="surveyedOn"
                type="date"
                max={today}
                defaultValue={sameCard ? data.values.surveyedOn : today}
                aria-invalid={data?.errors.surveyedOn ? true : undefined}
                aria-describedby={data?.errors.surveyedOn ? "field-surveyedOn-error" : undefined}
              />
              {data?.errors.surveyedOn ? <p className="field-error" id="field-surveyedOn-error">{data.errors.surveyedOn.join(" ")}</p> : null}
            </div>
            {card.questions.map((q, n) => {
              const error = data?.errors[q.id];
              return (
                <fieldset key={q.id} aria-describedby={error ? `${q.id}-error` : undefined}>
                  <legend>{n + 1}. {q.text}</legend>
                  {error ? <p className="field-error" id={`${q.id}-error`}>{error.join(" ")}</p> : null}
                  {q.answers.map((a) => (
                    <div key={a.id} className="choice">
                      <input
                        type="radio"
                        id={`${q.id}-${a.id}`}
                        name={q.id}
                        value={a.id}
                        defaultChecked={sameCard ? data.answers[q.id] === a.id : false}
                        onChange={() => setChosen((c) => ({ ...c, [q.id]: a.id }))}
                      />
                      <label htmlFor={`${q.id}-${a.id}`}>{a.id}. {a.text} ({a.points} {a.points === 1 ? "point" : "points"})</label>
                    </div>
                  ))}
                </fieldset>
              );
            })}
            <output aria-live="polite" className="ppi-score" htmlFor={card.questions.map((q) => q.id).join(" ")}>
              {live?.ok ? (
                <ScoreLine score={live.score} likelihoods={likelihoodsFor(card, live.score)} />
              ) : data?.checked && sameCard ? (
                <ScoreLine score={data.checked.score} likelihoods={data.checked.likelihoods} />
              ) : answered > 0 ? (
                `${answered} of ${card.questions.length} questions answered.`
              ) : null}
            </output>
            <div className="actions">
              <button type="submit" name="intent" value="check" className="secondary" disabled={busy}>Check the score</button>
              <button type="submit" name="intent" value="save" disabled={busy}>{busy ? "Saving…" : "Save the survey"}</button>
            </div>
          </Form>
  );
}

function ScoreLine({ score, likelihoods }: { score: number; likelihoods: { line: string; bps: number }[] }) {
  return (
    <>
      Score <strong>{score}</strong> of 100. Likelihood of living below: {likelihoods.map((l) => `${l.line} ${formatBps(l.bps)}`).join("; ")}.
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
