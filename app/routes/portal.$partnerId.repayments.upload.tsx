import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  json,
  MaxPartSizeExceededError,
  redirect,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { UPLOAD_COLUMNS, UPLOAD_MAX_BYTES, UPLOAD_MAX_LINES, UPLOAD_STATUS_LABELS, utcMinute } from "~/lib/repayment-upload.ts";
import { listUploads, uploadRepayments, UploadError } from "~/models/repayment-upload.server.ts";
import { MANAGING_ROLES, requireStaffPartner } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Upload repayments — Mavuno partner portal" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { partner } = await requireStaffPartner(request, params.partnerId ?? "", MANAGING_ROLES);
  const uploads = await listUploads(partner.id);
  return json({ partnerId: partner.id, partnerName: partner.name, currency: partner.currency, uploads: uploads.map((u) => ({ ...u, createdAt: utcMinute(u.createdAt) })) });
}

type ActionData = { errors: { file: string[] } };
const refuse = (message: string) => json<ActionData>({ errors: { file: [message] } }, { status: 400 });

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, partner } = await requireStaffPartner(request, params.partnerId ?? "", MANAGING_ROLES);
  if (!request.headers.get("Content-Type")?.startsWith("multipart/form-data")) return refuse("Choose the CSV file with the repayments, then upload it.");
  let form: FormData;
  try {
    form = await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: UPLOAD_MAX_BYTES }));
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) {
      return refuse(`The file is larger than ${UPLOAD_MAX_BYTES / 1024 / 1024} MB. Split it into smaller files and upload each one.`);
    }
    return refuse("The upload did not arrive whole. Try again.");
  }
  const file = form.get("file");
  if (!(file instanceof Blob) || (file.size === 0 && !(file as File).name)) return refuse("Choose the CSV file with the repayments, then upload it.");
  try {
    const result = await uploadRepayments({
      partnerId: partner.id,
      userId: user.id,
      fileName: (file as File).name ?? "",
      bytes: new Uint8Array(await file.arrayBuffer()),
    });
    const again = result.outcome === "new" ? "" : `?again=${result.outcome}`;
    return redirect(`/portal/${partner.id}/repayments/uploads/${result.uploadId}${again}`);
  } catch (error) {
    if (error instanceof UploadError) return refuse(error.message);
    throw error;
  }
}

export default function UploadRepayments() {
  const { partnerId, partnerName, currency, uploads } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const error = actionData?.errors.file;
  return (
    <section aria-labelledby="upload-title">
      <h1 id="upload-title">Upload repayments</h1>
      <p>
        Record many repayments at once from a CSV file. Mavuno checks every line first and shows you a report;{" "}
        <strong>nothing is posted to lenders until you confirm</strong>. Uploading the same file again never posts it twice.
      </p>
      <h2>What the file needs</h2>
      <ul>
        <li>
          A first line naming the columns: {UPLOAD_COLUMNS.map((c, i) => <span key={c.key}>{i ? ", " : ""}<strong>{c.label}</strong></span>)} (in any
          order; other columns are ignored).
        </li>
        <li>One repayment per line: the loan&apos;s reference (as on its page), the date it was paid as YYYY-MM-DD, the amount in the loan&apos;s own currency, and the exchange rate used, in local currency per US dollar.</li>
        <li>Amounts with a point for decimals and no thousands separators: 1500.50, not 1,500.50.</li>
        <li>At most {UPLOAD_MAX_LINES.toLocaleString("en-US")} lines and {UPLOAD_MAX_BYTES / 1024 / 1024} MB. In a spreadsheet, save as “CSV UTF-8 (comma delimited)”.</li>
      </ul>
      <div className="table-scroll">
        <table>
          <caption>An example file</caption>
          <thead>
            <tr>{UPLOAD_COLUMNS.map((c) => <th key={c.key} scope="col">{c.label}</th>)}</tr>
          </thead>
          <tbody>
            <tr><td>MV-KE-0001</td><td>2026-03-15</td><td>1500.50</td><td>129.50</td></tr>
            <tr><td>MV-KE-0002</td><td>2026-03-15</td><td>2000</td><td>129.50</td></tr>
          </tbody>
        </table>
      </div>

      <Form method="post" encType="multipart/form-data" className="upload-form" aria-labelledby="upload-form-title">
        <h2 id="upload-form-title">Upload a file for {partnerName}</h2>
        <div className="field">
          <label htmlFor="field-file">CSV file of repayments</label>
          <p className="hint" id="field-file-hint">Amounts in each loan&apos;s own currency{currency ? ` (usually ${currency})` : ""}.</p>
          <input
            id="field-file"
            name="file"
            type="file"
            accept=".csv,text/csv,text/plain"
            required
            aria-invalid={error ? true : undefined}
            aria-describedby={["field-file-hint", error ? "field-file-error" : ""].filter(Boolean).join(" ")}
          />
          {error ? (
            <p className="field-error" id="field-file-error" role="alert">
              {error.join(" ")}
            </p>
          ) : null}
        </div>
        <button type="submit" disabled={busy}>
          {busy ? "Checking…" : "Upload and check"}
        </button>
      </Form>

      <h2>Earlier uploads</h2>
      {uploads.length === 0 ? (
        <p>No uploads yet.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption>The latest {uploads.length === 1 ? "upload" : `${uploads.length} uploads`}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Uploaded</th>
                <th scope="col" className="num">Lines</th>
                <th scope="col" className="num">Wrong</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {uploads.map((u) => (
                <tr key={u.id}>
                  <td><Link to={`/portal/${partnerId}/repayments/uploads/${u.id}`}>{u.fileName}</Link></td>
                  <td>{u.createdAt}{u.uploadedBy ? ` by ${u.uploadedBy}` : ""}</td>
                  <td className="num">{u.lineCount.toLocaleString("en-US")}</td>
                  <td className="num">{u.errorCount.toLocaleString("en-US")}</td>
                  <td>
                    {UPLOAD_STATUS_LABELS[u.status]}
                    {u.status === "posting" ? ` (${u.postedCount.toLocaleString("en-US")} of ${u.okCount.toLocaleString("en-US")})` : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
