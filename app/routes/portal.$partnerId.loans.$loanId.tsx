import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction, SerializeFrom } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { Field, FormError, SelectField, TextAreaField } from "~/components/forms.tsx";
import { LoanRequestFields } from "~/components/loan-request-fields.tsx";
import { PublicReading } from "~/components/public-reading.tsx";
import { PublicTextPreview } from "~/components/public-text-preview.tsx";
import { loanPublicReading } from "~/models/consent.server.ts";
import { ScheduleTable } from "~/components/schedule-table.tsx";
import { fieldErrors, formToObject, type FieldErrors } from "~/lib/forms.ts";
import { FREQUENCY_LABELS, STATUS_LABELS } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import { daysLate } from "~/lib/repayment.ts";
import {
  borrowerOptions,
  cancelLoan,
  getPartnerLoan,
  loanFormValues,
  LoanRequestError,
  loanRequestSchema,
  recordDisbursement,
  scheduleFor,
  scheduleView,
  submitLoan,
  updateDraft,
} from "~/models/loan-request.server.ts";
import { recordRepaymentFromForm, rescheduleFromForm, writeOffFromForm } from "~/models/loan-servicing.server.ts";
import { notifyRefunded } from "~/models/notifications.server.ts";
import { notifyLoanRepaid } from "~/models/repayment-emails.server.ts";
import {
  isoDate,
  listLoanRepayments,
  RepaymentError,
  repaymentFormSchema,
  rescheduleSchema,
  scheduleWithState,
  writeOffSchema,
} from "~/models/repayment.server.ts";
import { MANAGING_ROLES, requirePartnerStaff } from "~/utils/auth.server.ts";

const LOAN_TEXTS = { purpose: "What the loan is for" };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.loan.reference ?? "Loan"} — Mavuno partner portal` }];

async function context(request: Request, params: { partnerId?: string; loanId?: string }) {
  const partnerId = params.partnerId ?? "";
  const { user } = await requirePartnerStaff(request, partnerId, MANAGING_ROLES);
  const loan = await getPartnerLoan(partnerId, params.loanId ?? "");
  if (!loan) throw new Response("Not found", { status: 404 });
  return { user, partnerId, loan };
}

/** Statuses with a schedule in force and repayments to show: the loan has been paid out to the borrower. */
const DISBURSED = ["paying_back", "repaid", "defaulted", "written_off"];
/** Repayments may still come in after a default or a write-off (recoveries), as the core allows. */
const REPAYABLE = ["paying_back", "defaulted", "written_off"];
/** Only a loan still being collected can get a new schedule or be written off. */
const OPEN = ["paying_back", "defaulted"];

async function repaymentView(loan: NonNullable<Awaited<ReturnType<typeof getPartnerLoan>>>, url: URL, now: Date) {
  if (!DISBURSED.includes(loan.status) || loan.scheduleVersion === 0) return null;
  const [inForce, repayments] = await Promise.all([scheduleWithState(loan.id, now), listLoanRepayments(loan.id)]);
  const collecting = OPEN.includes(loan.status);
  const late = collecting ? daysLate(loan.firstUnpaidDueOn, now) : 0;
  const recordedId = url.searchParams.get("recorded");
  return {
    schedule: inForce,
    repayments,
    recorded: recordedId ? (repayments.find((r) => r.id === recordedId) ?? null) : null,
    daysLate: late,
    firstUnpaidDueOn: loan.firstUnpaidDueOn ? isoDate(loan.firstUnpaidDueOn) : null,
    repaidLocalMinor: loan.repaidLocalMinor.toString(),
    principalRepaidUsdCents: loan.principalRepaidUsdCents.toString(),
    repaidUsdCents: loan.repaidUsdCents.toString(),
    fxLossCents: loan.fxLossCents.toString(),
    outstandingUsdCents: (BigInt(loan.amountUsdCents) - loan.principalRepaidUsdCents).toString(),
    canRecord: REPAYABLE.includes(loan.status),
    canRestructure: collecting,
    // Fresh per render: a form posted twice repeats its key and is recorded once; the next visit gets a new one.
    requestKey: crypto.randomUUID(),
    today: isoDate(now),
    loanRate: loan.fxRate.toString(),
  };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { partnerId, loan } = await context(request, params);
  const schedule = scheduleFor(loan, loan.disbursedAt ?? loan.listedAt ?? new Date());
  const url = new URL(request.url);
  return json({
    reading: await loanPublicReading(loan.id, { purpose: loan.purpose, story: loan.client?.story ?? loan.group?.story ?? "" }),
    repayment: await repaymentView(loan, url, new Date()),
    done: url.searchParams.get("done"),
    partnerId,
    loan: {
      id: loan.id,
      reference: loan.reference,
      status: loan.status,
      termMonths: loan.termMonths,
      frequency: loan.frequency,
      scheduleVersion: loan.scheduleVersion,
      amountUsdCents: loan.amountUsdCents,
      amountLocalMinor: loan.amountLocalMinor.toString(),
      localCurrency: loan.localCurrency,
      purpose: loan.purpose,
      reviewComment: loan.reviewComment,
      borrower: loan.client?.fullName ?? loan.group?.name ?? "—",
      events: loan.events.map((e) => ({ ...e, at: e.at.toISOString() })),
    },
    formValues: loanFormValues(loan),
    borrowers: loan.status === "draft" ? await borrowerOptions(partnerId) : [],
    schedule: scheduleView(schedule, loan.localCurrency),
  });
}

const disburseSchema = z.object({
  disbursedOn: z
    .string({ message: "Enter the date the borrower received the money." })
    .regex(/^\d{4}-\d{2}-\d{2}$/, "Enter the date the borrower received the money.")
    .transform((v) => new Date(`${v}T12:00:00Z`)),
});

const cancelSchema = z.object({
  reason: z.string({ message: "Say why the loan is cancelled." }).trim().min(5, "Say why the loan is cancelled.").max(500, "Use at most 500 characters."),
});

const confirmed = (message: string) => z.literal("yes", { message });

/** Errors keyed by the names the form's inputs carry (two forms on the page ask for a reason). */
function renamed(errors: FieldErrors, names: Record<string, string>): FieldErrors {
  const out: FieldErrors = {};
  for (const [key, messages] of Object.entries(errors)) (out[names[key] ?? key] ??= []).push(...messages);
  return out;
}

const STALE_FORM = "This form is out of date: reload the page and enter the repayment again.";

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, partnerId, loan } = await context(request, params);
  const values = formToObject(await request.formData());
  const here = `/portal/${partnerId}/loans/${loan.id}`;
  const fail = (intent: string, errors: FieldErrors, status = 400) => json({ intent, errors, values }, { status });
  try {
    switch (values.intent) {
      case "repay": {
        const schema = repaymentFormSchema(loan.localCurrency).extend({
          rateConfirmed: confirmed("Confirm the exchange rate: tick the box once you have checked it is the rate for the day it was paid."),
        });
        const parsed = schema.safeParse({
          requestKey: values.requestKey ?? "",
          paidOn: values.paidOn ?? "",
          amount: values.amount ?? "",
          fxRate: values.fxRate ?? "",
          rateConfirmed: values.rateConfirmed,
        });
        if (!parsed.success) {
          const errors = renamed(fieldErrors(parsed.error), { requestKey: "" });
          if (errors[""]) errors[""] = [STALE_FORM];
          return fail("repay", errors);
        }
        const result = await recordRepaymentFromForm({
          partnerId,
          loanId: loan.id,
          requestKey: parsed.data.requestKey,
          paidOn: parsed.data.paidOn,
          localAmount: parsed.data.amount,
          fxRate: parsed.data.fxRate,
          recordedById: user.id,
        });
        // Lenders hear at once; the periodic job catches whatever this misses.
        if (result.loanRepaid) await notifyLoanRepaid(loan.id);
        return redirect(`${here}?recorded=${encodeURIComponent(result.repaymentId)}`);
      }
      case "reschedule": {
        const parsed = rescheduleSchema.safeParse({
          startsOn: values.startsOn ?? "",
          termMonths: values.termMonths ?? "",
          frequency: values.frequency ?? "",
          reason: values.rescheduleReason ?? "",
        });
        if (!parsed.success) return fail("reschedule", renamed(fieldErrors(parsed.error), { reason: "rescheduleReason" }));
        const fromVersion = Number(values.fromVersion);
        if (!Number.isInteger(fromVersion)) return fail("reschedule", { "": [STALE_FORM] });
        await rescheduleFromForm(partnerId, loan.id, user.id, parsed.data, fromVersion);
        return redirect(`${here}?done=rescheduled`);
      }
      case "write-off": {
        const schema = writeOffSchema.extend({
          confirm: confirmed("Tick the box to confirm the loan is to be written off."),
        });
        const parsed = schema.safeParse({ reason: values.writeOffReason ?? "", confirm: values.confirm });
        if (!parsed.success) return fail("write-off", renamed(fieldErrors(parsed.error), { reason: "writeOffReason" }));
        await writeOffFromForm(partnerId, loan.id, user.id, { reason: parsed.data.reason });
        return redirect(`${here}?done=written-off`);
      }
      case "update": {
        const parsed = loanRequestSchema().safeParse(values);
        if (!parsed.success) return json({ intent: "update", errors: fieldErrors(parsed.error), values }, { status: 400 });
        await updateDraft(partnerId, loan.id, parsed.data);
        return redirect(here);
      }
      case "submit":
        await submitLoan(partnerId, loan.id, user.id);
        return redirect(here);
      case "cancel": {
        const parsed = cancelSchema.safeParse(values);
        if (!parsed.success) return json({ intent: "cancel", errors: fieldErrors(parsed.error), values }, { status: 400 });
        const refunded = await cancelLoan(partnerId, loan.id, user.id, parsed.data.reason);
        if (refunded.length > 0) await notifyRefunded([{ loanId: loan.id, reference: loan.reference, reason: "cancelled", lenders: refunded }]);
        return redirect(here);
      }
      case "disburse": {
        const parsed = disburseSchema.safeParse(values);
        if (!parsed.success) return json({ intent: "disburse", errors: fieldErrors(parsed.error), values }, { status: 400 });
        await recordDisbursement(partnerId, loan.id, user.id, parsed.data.disbursedOn);
        return redirect(here);
      }
      default:
        return json({ intent: "", errors: { "": ["Unknown request."] } as Record<string, string[]>, values }, { status: 400 });
    }
  } catch (error) {
    if (error instanceof RepaymentError) {
      const intent = values.intent ?? "";
      const field = error.field === "loan" ? "" : error.field === "reason" && intent === "write-off" ? "writeOffReason" : error.field;
      // A field named: the input was wrong (400). None: the loan's state refused it (409).
      return fail(intent, { [field]: [error.message] }, field ? 400 : 409);
    }
    if (error instanceof LoanRequestError) {
      return json({ intent: values.intent ?? "", errors: { [error.field]: [error.message] } as Record<string, string[]>, values }, { status: 409 });
    }
    throw error;
  }
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const dayFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
const day = (iso: string) => dayFormat.format(new Date(iso));

const INSTALMENT_STATES: Record<string, string> = { paid: "Paid", part_paid: "Part paid", late: "Late", due: "Due" };

const DONE_NOTICES: Record<string, string> = {
  rescheduled: "The new schedule is in force. Earlier versions are kept in the schedule history.",
  "written-off": "The loan is written off: lenders see what was not repaid as lost. Any later recovery you record still reaches them.",
};

type RepaymentView = NonNullable<SerializeFrom<typeof loader>["repayment"]>;
type ActionErrors = FieldErrors | undefined;

/** A required tick box with its error tied to it, for confirmations the server checks. */
function Confirm({ name, label, errors }: { name: string; label: string; errors: string[] | undefined }) {
  const id = `field-${name}`;
  return (
    <div className="field">
      <label className="checkbox" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          name={name}
          value="yes"
          aria-invalid={errors?.length ? true : undefined}
          aria-describedby={errors?.length ? `${id}-error` : undefined}
        />{" "}
        {label}
      </label>
      {errors?.length ? (
        <p className="field-error" id={`${id}-error`}>
          {errors.join(" ")}
        </p>
      ) : null}
    </div>
  );
}

function RecordedNotice({ recorded, repaid }: { recorded: RepaymentView["recorded"]; repaid: boolean }) {
  if (!recorded) return null;
  const local = (v: string) => formatMoney(BigInt(v), recorded.currency);
  const loss = BigInt(recorded.fxLossCents);
  return (
    <div className="notice" role="status">
      <strong>Repayment recorded.</strong> {local(recorded.localAmount)} paid on {day(recorded.paidOn)}: {local(recorded.principalLocal)} principal and{" "}
      {local(recorded.interestLocal)} interest. The lenders received <strong>{formatMoney(BigInt(recorded.usdCents), "USD")}</strong> in their
      wallets
      {loss > 0n ? `, and lost ${formatMoney(loss, "USD")} to the exchange rate` : ""}.{repaid ? " The loan is now repaid in full." : ""}
    </div>
  );
}

function RepaymentSummary({ view, loan }: { view: RepaymentView; loan: SerializeFrom<typeof loader>["loan"] }) {
  const usd = (v: string) => formatMoney(BigInt(v), "USD");
  return (
    <dl className="facts">
      <dt>Repaid by the borrower</dt>
      <dd>{formatMoney(BigInt(view.repaidLocalMinor), loan.localCurrency)} (principal and interest)</dd>
      <dt>Principal repaid</dt>
      <dd>{usd(view.principalRepaidUsdCents)} of {usd(String(loan.amountUsdCents))}, at the loan's own rate</dd>
      <dt>Lenders received</dt>
      <dd>{usd(view.repaidUsdCents)}</dd>
      <dt>Lost to exchange rates</dt>
      <dd>{usd(view.fxLossCents)}</dd>
      <dt>Principal still owed to lenders</dt>
      <dd>{usd(view.outstandingUsdCents)}</dd>
      {view.canRestructure ? (
        <>
          <dt>Oldest unpaid instalment</dt>
          <dd>
            {view.firstUnpaidDueOn ? day(view.firstUnpaidDueOn) : "—"}
            {view.daysLate > 0 ? ` (${view.daysLate} day${view.daysLate === 1 ? "" : "s"} late)` : view.firstUnpaidDueOn ? " (not yet late)" : ""}
          </dd>
        </>
      ) : null}
    </dl>
  );
}

function InstalmentTable({ schedule }: { schedule: NonNullable<RepaymentView["schedule"]> }) {
  const m = (v: string) => formatMoney(BigInt(v), schedule.currency);
  return (
    <div className="table-scroll">
      <table>
        <caption>
          Schedule in force (version {schedule.version}), in {schedule.currency}
        </caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Due</th>
            <th scope="col" className="num">Principal</th>
            <th scope="col" className="num">Interest</th>
            <th scope="col" className="num">Instalment</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {schedule.rows.map((r) => (
            <tr key={r.number}>
              <td>{r.number}</td>
              <td>{day(r.dueOn)}</td>
              <td className="num">{m(r.principal)}</td>
              <td className="num">{m(r.interest)}</td>
              <td className="num">{m(r.total)}</td>
              <td>{r.state === "late" ? <strong>{INSTALMENT_STATES.late}</strong> : INSTALMENT_STATES[r.state]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RepaymentsTable({ repayments }: { repayments: RepaymentView["repayments"] }) {
  if (repayments.length === 0) return <p className="muted">No repayment has been recorded yet.</p>;
  return (
    <div className="table-scroll">
      <table>
        <caption>Repayments recorded, latest first</caption>
        <thead>
          <tr>
            <th scope="col">Paid on</th>
            <th scope="col" className="num">Amount</th>
            <th scope="col" className="num">Rate (per US$)</th>
            <th scope="col" className="num">Principal</th>
            <th scope="col" className="num">Interest</th>
            <th scope="col" className="num">To lenders</th>
            <th scope="col" className="num">FX loss</th>
          </tr>
        </thead>
        <tbody>
          {repayments.map((r) => (
            <tr key={r.id}>
              <td>
                {day(r.paidOn)}
                {r.status === "recorded" ? <span className="muted"> (being paid out)</span> : null}
              </td>
              <td className="num">{formatMoney(BigInt(r.localAmount), r.currency)}</td>
              <td className="num">{Number(r.fxRate).toLocaleString("en-US", { maximumFractionDigits: 8 })}</td>
              <td className="num">{formatMoney(BigInt(r.principalLocal), r.currency)}</td>
              <td className="num">{formatMoney(BigInt(r.interestLocal), r.currency)}</td>
              <td className="num">{formatMoney(BigInt(r.usdCents), "USD")}</td>
              <td className="num">{formatMoney(BigInt(r.fxLossCents), "USD")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RecordRepaymentForm({ view, currency, errors, values }: { view: RepaymentView; currency: string; errors: ActionErrors; values: Record<string, string> | undefined }) {
  const busy = useNavigation().formData?.get("intent") === "repay";
  return (
    <Form method="post" noValidate aria-labelledby="record-title">
      <h2 id="record-title">Record a repayment</h2>
      <p>What the borrower paid, principal and interest together. The principal goes to the lenders' wallets at once, in US dollars at the rate you give; the interest stays with you.</p>
      <FormError errors={errors?.[""]} />
      <input type="hidden" name="intent" value="repay" />
      <input type="hidden" name="requestKey" value={view.requestKey} />
      <div className="field-row">
        <Field name="paidOn" label="Date paid" type="date" defaultValue={values?.paidOn ?? view.today} errors={errors?.paidOn} />
        <Field name="amount" label={`Amount paid (${currency})`} defaultValue={values?.amount ?? ""} errors={errors?.amount} />
        <Field
          name="fxRate"
          label={`Exchange rate (${currency} per US dollar)`}
          defaultValue={values?.fxRate ?? view.loanRate}
          errors={errors?.fxRate}
          hint="Filled in with the rate the loan was made at: change it to the rate on the day it was paid."
        />
      </div>
      <Confirm name="rateConfirmed" label="I have checked this is the exchange rate for the day it was paid" errors={errors?.rateConfirmed} />
      <button type="submit" disabled={busy}>
        {busy ? "Recording…" : "Record repayment"}
      </button>
    </Form>
  );
}

function RestructureForms({ loan, errorsFor, values }: { loan: SerializeFrom<typeof loader>["loan"]; errorsFor: (intent: string) => ActionErrors; values: Record<string, string> | undefined }) {
  const reschedule = errorsFor("reschedule");
  const writeOff = errorsFor("write-off");
  const busy = useNavigation().state === "submitting";
  return (
    <section aria-labelledby="restructure-title">
      <h2 id="restructure-title">Reschedule or write off</h2>
      <Form method="post" noValidate>
        <fieldset>
          <legend>Reschedule</legend>
          <p>A new schedule for the principal still owed, starting on the date you choose. The current schedule is kept in the history.</p>
          <FormError errors={reschedule?.[""]} />
          <input type="hidden" name="intent" value="reschedule" />
          <input type="hidden" name="fromVersion" value={loan.scheduleVersion} />
          <div className="field-row">
            <Field name="startsOn" label="New schedule starts on" type="date" defaultValue={(reschedule && values?.startsOn) || new Date().toISOString().slice(0, 10)} errors={reschedule?.startsOn} />
            <Field name="termMonths" label="Term (months)" type="number" defaultValue={(reschedule && values?.termMonths) || String(loan.termMonths)} errors={reschedule?.termMonths} />
            <SelectField
              name="frequency"
              label="Repaid"
              options={Object.entries(FREQUENCY_LABELS).map(([value, label]) => ({ value, label }))}
              defaultValue={(reschedule && values?.frequency) || loan.frequency}
              errors={reschedule?.frequency}
            />
          </div>
          <TextAreaField name="rescheduleReason" label="Why the loan is rescheduled" rows={2} defaultValue={reschedule ? values?.rescheduleReason : undefined} errors={reschedule?.rescheduleReason} />
          <button type="submit" className="secondary" disabled={busy}>
            Reschedule the loan
          </button>
        </fieldset>
      </Form>
      <Form method="post" noValidate>
        <fieldset>
          <legend>Write off</legend>
          <p>
            Stop collecting: the principal not yet repaid counts as lost to the lenders and in your default rate. Anything the borrower pays
            later can still be recorded and reaches the lenders.
          </p>
          <FormError errors={writeOff?.[""]} />
          <input type="hidden" name="intent" value="write-off" />
          <TextAreaField name="writeOffReason" label="Why the loan is written off" rows={2} defaultValue={writeOff ? values?.writeOffReason : undefined} errors={writeOff?.writeOffReason} />
          <Confirm name="confirm" label={`Yes, write off ${loan.reference}`} errors={writeOff?.confirm} />
          <button type="submit" className="danger" disabled={busy}>
            Write off the loan
          </button>
        </fieldset>
      </Form>
    </section>
  );
}

export default function PartnerLoan() {
  const { partnerId, loan, formValues, borrowers, schedule, repayment, done, reading } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const errorsFor = (intent: string): ActionErrors => (data?.intent === intent ? data.errors : undefined);
  const valuesFor = (intent: string) => (data?.intent === intent ? (data.values as Record<string, string>) : undefined);
  const cancellable = ["draft", "submitted", "fundraising"].includes(loan.status);
  const ownForms = ["repay", "reschedule", "write-off"];
  return (
    <section aria-labelledby="loan-title">
      <p><Link to={`/portal/${partnerId}/loans`}>← All loan requests</Link></p>
      <h1 id="loan-title">
        {loan.reference}: {loan.borrower}
      </h1>
      <p className="loan-amount">
        <strong>{formatMoney(loan.amountUsdCents, "USD")}</strong> ({formatMoney(BigInt(loan.amountLocalMinor), loan.localCurrency)}) ·{" "}
        <span className={`status status-${loan.status}`}>{STATUS_LABELS[loan.status]}</span>
        {repayment && repayment.daysLate > 0 ? (
          <>
            {" "}
            · <span className="status status-defaulted">In arrears: {repayment.daysLate} day{repayment.daysLate === 1 ? "" : "s"} late</span>
          </>
        ) : null}
      </p>
      {data && !ownForms.includes(data.intent) ? <FormError errors={data.errors[""]} /> : null}
      {repayment ? <RecordedNotice recorded={repayment.recorded} repaid={loan.status === "repaid"} /> : null}
      {done && DONE_NOTICES[done] ? (
        <p className="notice" role="status">
          {DONE_NOTICES[done]}
        </p>
      ) : null}
      {loan.status === "draft" && loan.reviewComment ? (
        <div className="notice warning" role="note">
          <strong>Returned by the reviewer:</strong> {loan.reviewComment}
        </div>
      ) : null}
      {reading ? <PublicReading reading={reading} headings={LOAN_TEXTS} /> : null}
      {loan.status === "fundraising" ? (
        <p className="notice">Listed for lenders: <Link to={`/loans/${loan.id}`}>see the public page</Link>.</p>
      ) : null}
      {loan.status === "draft" ? (
        <Form method="post">
          <input type="hidden" name="intent" value="submit" />
          <FormError errors={errorsFor("submit")?.fundraisingDeadline} />
          <button type="submit">Submit for review</button>
        </Form>
      ) : null}

      {loan.status === "funded" ? (
        <Form method="post" noValidate>
          <fieldset>
            <legend>Record the disbursement</legend>
            <p>The loan is fully funded and the money has been passed to you. Record the day the borrower received it; the repayment schedule starts then.</p>
            <input type="hidden" name="intent" value="disburse" />
            <Field name="disbursedOn" label="Disbursed on" type="date" defaultValue={new Date().toISOString().slice(0, 10)} errors={errorsFor("disburse")?.disbursedOn} />
            <button type="submit">Record disbursement</button>
          </fieldset>
        </Form>
      ) : null}

      {repayment ? (
        <>
          <h2>Repayments</h2>
          <RepaymentSummary view={repayment} loan={loan} />
          {repayment.canRecord ? (
            <RecordRepaymentForm view={repayment} currency={loan.localCurrency} errors={errorsFor("repay")} values={valuesFor("repay")} />
          ) : null}
          <h2>Repayments recorded</h2>
          <RepaymentsTable repayments={repayment.repayments} />
          <h2>Repayment schedule</h2>
          {repayment.schedule ? (
            <>
              <InstalmentTable schedule={repayment.schedule} />
              <h3>Schedule history</h3>
              <ol>
                {repayment.schedule.history.map((h) => (
                  <li key={h.version}>
                    Version {h.version}, from {day(h.startsOn)}: {h.reason}
                    {h.version === repayment.schedule?.version ? " (in force)" : ""}
                  </li>
                ))}
              </ol>
            </>
          ) : null}
        </>
      ) : (
        <>
          <h2>Repayment schedule</h2>
          {["paying_back", "repaid", "defaulted", "written_off"].includes(loan.status) ? (
            <p className="muted">No repayment schedule is on record for this loan, so repayments cannot be recorded against it. The schedule below is worked out from its terms.</p>
          ) : null}
          <ScheduleTable schedule={schedule} caption={loan.status === "draft" || loan.status === "submitted" ? "If disbursed today" : "From the listing date"} />
        </>
      )}

      {loan.status === "draft" ? (
        <>
          <h2>Edit the draft</h2>
          <Form method="post" noValidate>
            <input type="hidden" name="intent" value="update" />
            <LoanRequestFields
              borrowers={borrowers}
              currency={loan.localCurrency}
              values={data?.intent === "update" ? data.values : formValues}
              errors={errorsFor("update")}
              preview={<PublicTextPreview partnerId={partnerId} textField="purpose" aboutField="borrower" initial={reading?.texts.purpose ?? null} />}
            />
            <button type="submit">Save changes</button>
          </Form>
        </>
      ) : null}

      {repayment?.canRestructure ? <RestructureForms loan={loan} errorsFor={errorsFor} values={data?.values as Record<string, string> | undefined} /> : null}

      <h2>History</h2>
      <ol>
        {loan.events.map((e, i) => (
          <li key={i}>
            {dateFormat.format(new Date(e.at))}: {e.fromStatus ? `${STATUS_LABELS[e.fromStatus]} → ` : ""}
            {STATUS_LABELS[e.toStatus]}
            {e.comment ? ` — “${e.comment}”` : ""}
          </li>
        ))}
      </ol>

      {cancellable ? (
        <Form method="post" noValidate>
          <fieldset>
            <legend>Cancel this loan request</legend>
            <input type="hidden" name="intent" value="cancel" />
            <TextAreaField name="reason" label="Why" rows={2} errors={errorsFor("cancel")?.reason} />
            <button type="submit" className="danger">Cancel the loan</button>
          </fieldset>
        </Form>
      ) : null}
    </section>
  );
}
