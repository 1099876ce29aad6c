import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { FormError } from "~/components/forms.tsx";
import { formatMoney } from "~/lib/money.ts";
import { UPLOAD_STATUS_LABELS, utcMinute } from "~/lib/repayment-upload.ts";
import { confirmUpload, UploadError, uploadReport } from "~/models/repayment-upload.server.ts";
import { MANAGING_ROLES, requireStaffPartner } from "~/utils/auth.server.ts";

/** How often a page that is posting reloads itself (works without JavaScript). */
const REFRESH_SECONDS = 2;

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  const tags: ReturnType<MetaFunction> = [{ title: `Repayments upload ${data?.upload.fileName ?? ""} — Mavuno partner portal` }];
  if (data && (data.upload.status === "posting" || data.upload.status === "recording")) tags.push({ httpEquiv: "refresh", content: String(REFRESH_SECONDS) });
  return tags;
};

const page = z.coerce.number().int().min(1).max(1_000_000).catch(1);
const querySchema = z.object({
  errors: page,
  ok: page,
  again: z.enum(["checked_again", "posting", "posted"]).optional().catch(undefined),
  confirmed: z.enum(["posting", "posted"]).optional().catch(undefined),
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { partner } = await requireStaffPartner(request, params.partnerId ?? "", MANAGING_ROLES);
  const url = new URL(request.url);
  const query = querySchema.parse(Object.fromEntries(url.searchParams));
  const report = await uploadReport(partner.id, params.uploadId ?? "", { errors: query.errors, ok: query.ok });
  if (!report) throw new Response("Not found", { status: 404 });
  const { upload } = report;
  return json(
    {
      partnerId: partner.id,
      query: { again: query.again ?? null, confirmed: query.confirmed ?? null },
      ...report,
      upload: { ...upload, createdAt: utcMinute(upload.createdAt), postedAt: upload.postedAt ? utcMinute(upload.postedAt) : null },
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

const actionSchema = z.object({ intent: z.literal("confirm", { message: "Unknown request." }) });

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, partner } = await requireStaffPartner(request, params.partnerId ?? "", MANAGING_ROLES);
  const uploadId = params.uploadId ?? "";
  const parsed = actionSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return json({ error: "Unknown request." }, { status: 400 });
  try {
    const outcome = await confirmUpload({ partnerId: partner.id, uploadId, userId: user.id });
    const back = `/portal/${partner.id}/repayments/uploads/${uploadId}`;
    return redirect(outcome === "started" ? back : `${back}?confirmed=${outcome}`);
  } catch (error) {
    if (error instanceof UploadError) {
      if (error.message === "No such upload.") throw new Response("Not found", { status: 404 });
      return json({ error: error.message }, { status: 400 });
    }
    throw error;
  }
}

const n = (value: number) => value.toLocaleString("en-US");
const lines = (count: number) => `${n(count)} line${count === 1 ? "" : "s"}`;

function Pager({ label, param, page, pages, other }: { label: string; param: "errors" | "ok"; page: number; pages: number; other: { key: string; value: number } }) {
  if (pages <= 1) return null;
  const href = (to: number) => `?${new URLSearchParams({ [other.key]: String(other.value), [param]: String(to) })}#${param === "errors" ? "bad-lines" : "good-lines"}`;
  return (
    <nav className="pagination" aria-label={label}>
      {page > 1 ? <Link to={href(page - 1)}>Previous page</Link> : null}
      <span>
        Page {n(page)} of {n(pages)}
      </span>
      {page < pages ? <Link to={href(page + 1)}>Next page</Link> : null}
    </nav>
  );
}

export default function UploadReportPage() {
  const { partnerId, query, upload, failure, totals, errors, ok } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const uploadAgain = `/portal/${partnerId}/repayments/upload`;
  const posting = upload.status === "posting" || upload.status === "recording";
  const posted = upload.status === "posted";
  const showMoney = posted || upload.status === "posting";

  return (
    <section aria-labelledby="report-title">
      <p><Link to={uploadAgain}>← Upload repayments</Link></p>
      <h1 id="report-title">Repayments upload: {upload.fileName}</h1>
      <p className="muted">
        Uploaded {upload.createdAt}
        {upload.uploadedBy ? ` by ${upload.uploadedBy}` : ""}. State: {UPLOAD_STATUS_LABELS[upload.status]}.
      </p>

      {query.again === "checked_again" ? (
        <p className="notice" role="status">You uploaded this same file before. Here is its report, checked again just now; nothing has been posted.</p>
      ) : null}
      {query.again === "posted" || query.confirmed === "posted" ? (
        <p className="notice" role="status">
          This file was already posted{upload.postedAt ? ` on ${upload.postedAt}` : ""}. Nothing new was posted.
        </p>
      ) : null}
      {query.again === "posting" || query.confirmed === "posting" ? (
        <p className="notice" role="status">This file is already being posted. Nothing will be posted twice.</p>
      ) : null}

      <dl className="facts">
        <dt>Repayments in the file</dt>
        <dd>{n(upload.lineCount)}</dd>
        <dt>Fine</dt>
        <dd>{n(upload.okCount)}</dd>
        <dt>Wrong</dt>
        <dd>{n(upload.errorCount)}</dd>
        {totals.map((t) => (
          <FragmentTotal key={t.currency} currency={t.currency} amount={t.amount} loans={t.loans} />
        ))}
      </dl>

      <FormError errors={actionData?.error ? [actionData.error] : undefined} />
      {failure && !posting ? (
        <div className="form-error" role="alert">
          Posting stopped: {failure}. Repayments already recorded will still reach the lenders; try confirming again, and tell Mavuno if this happens again.
        </div>
      ) : null}

      {posting ? (
        <div className="notice" role="status" aria-live="polite">
          {upload.status === "recording" ? (
            <p>Recording {lines(upload.okCount)}…</p>
          ) : (
            <p>
              Posted {n(upload.postedCount)} of {n(upload.okCount)} repayments to the lenders&apos; wallets.
            </p>
          )}
          <progress className="upload-progress" max={upload.okCount} value={upload.status === "recording" ? undefined : upload.postedCount} aria-label="Posting progress" />
          <p className="hint">This page refreshes itself every {REFRESH_SECONDS} seconds until it is done. You can leave it: posting carries on.</p>
        </div>
      ) : posted ? (
        <p className="notice" role="status">
          Posted{upload.postedAt ? ` on ${upload.postedAt}` : ""}: {upload.okCount === 1 ? "1 repayment" : `${n(upload.okCount)} repayments`} went to the lenders&apos; wallets.
        </p>
      ) : upload.errorCount > 0 ? (
        <div className="notice warning" role="status">
          <p>
            <strong>Nothing can be posted while {upload.errorCount === 1 ? "a line is" : `${n(upload.errorCount)} lines are`} wrong.</strong>{" "}
            Fix {upload.errorCount === 1 ? "it" : "them"} in your file (line numbers count the first line as 1, as a spreadsheet numbers its rows), then{" "}
            <Link to={uploadAgain}>upload the file again</Link>. Nothing from this file has been posted.
          </p>
        </div>
      ) : (
        <div className="notice">
          <p>
            Every line is fine. <strong>Nothing is posted yet.</strong> Posting records {lines(upload.okCount)} as repayments and pays each loan&apos;s lenders their
            share, all or none.
          </p>
          <Form method="post">
            <input type="hidden" name="intent" value="confirm" />
            <button type="submit" disabled={navigation.state === "submitting"}>
              Post {n(upload.okCount)} repayment{upload.okCount === 1 ? "" : "s"}
            </button>
          </Form>
        </div>
      )}

      {upload.errorCount > 0 ? (
        <section aria-labelledby="bad-lines">
          <h2 id="bad-lines">Lines that are wrong</h2>
          <div className="table-scroll">
            <table>
              <caption>
                {lines(upload.errorCount)} that cannot be posted
                {errors.pages > 1 ? `, page ${n(errors.page)} of ${n(errors.pages)}` : ""}
              </caption>
              <thead>
                <tr>
                  <th scope="col" className="num">Line</th>
                  <th scope="col">What is wrong</th>
                  <th scope="col">The line as written</th>
                </tr>
              </thead>
              <tbody>
                {errors.lines.map((line) => (
                  <tr key={line.lineNo}>
                    <th scope="row" className="num">{line.lineNo}</th>
                    <td>{line.error}</td>
                    <td><code className="raw-line">{line.raw}</code></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager label="Pages of wrong lines" param="errors" page={errors.page} pages={errors.pages} other={{ key: "ok", value: ok.page }} />
        </section>
      ) : null}

      {upload.okCount > 0 ? (
        <section aria-labelledby="good-lines">
          <h2 id="good-lines">{posted ? "Lines posted" : "Lines that are fine"}</h2>
          <div className="table-scroll">
            <table>
              <caption>
                {lines(upload.okCount)} {posted ? "posted" : "ready to post"}
                {ok.pages > 1 ? `, page ${n(ok.page)} of ${n(ok.pages)}` : ""}
              </caption>
              <thead>
                <tr>
                  <th scope="col" className="num">Line</th>
                  <th scope="col">Loan</th>
                  <th scope="col">Paid on</th>
                  <th scope="col" className="num">Amount</th>
                  <th scope="col" className="num">Rate</th>
                  {showMoney ? <th scope="col" className="num">To lenders</th> : null}
                  {showMoney ? <th scope="col" className="num">FX loss</th> : null}
                </tr>
              </thead>
              <tbody>
                {ok.lines.map((line) => (
                  <tr key={line.lineNo}>
                    <th scope="row" className="num">{line.lineNo}</th>
                    <td>{line.reference}</td>
                    <td>{line.paidOn}</td>
                    <td className="num">{formatMoney(BigInt(line.localAmount), line.currency)}</td>
                    <td className="num">{line.fxRate}</td>
                    {showMoney ? <td className="num">{line.usdCents === null ? "—" : formatMoney(BigInt(line.usdCents), "USD")}</td> : null}
                    {showMoney ? <td className="num">{line.fxLossCents === null ? "—" : formatMoney(BigInt(line.fxLossCents), "USD")}</td> : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager label="Pages of lines that are fine" param="ok" page={ok.page} pages={ok.pages} other={{ key: "errors", value: errors.page }} />
        </section>
      ) : null}
    </section>
  );
}

function FragmentTotal({ currency, amount, loans }: { currency: string; amount: string; loans: number }) {
  return (
    <>
      <dt>Total in {currency}</dt>
      <dd>
        {formatMoney(BigInt(amount), currency)} on {n(loans)} loan{loans === 1 ? "" : "s"}
      </dd>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
