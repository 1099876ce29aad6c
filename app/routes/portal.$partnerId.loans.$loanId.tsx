import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Field, FormError, TextAreaField } from "~/components/forms.tsx";
import { LoanRequestFields } from "~/components/loan-request-fields.tsx";
import { ScheduleTable } from "~/components/schedule-table.tsx";
import { fieldErrors, formToObject } from "~/lib/forms.ts";
import { STATUS_LABELS } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
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
import { notifyRefunded } from "~/models/notifications.server.ts";
import { MANAGING_ROLES, requirePartnerStaff } from "~/utils/auth.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.loan.reference ?? "Loan"} — Mavuno partner portal` }];

async function context(request: Request, params: { partnerId?: string; loanId?: string }) {
  const partnerId = params.partnerId ?? "";
  const { user } = await requirePartnerStaff(request, partnerId, MANAGING_ROLES);
  const loan = await getPartnerLoan(partnerId, params.loanId ?? "");
  if (!loan) throw new Response("Not found", { status: 404 });
  return { user, partnerId, loan };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { partnerId, loan } = await context(request, params);
  const schedule = scheduleFor(loan, loan.disbursedAt ?? loan.listedAt ?? new Date());
  return json({
    partnerId,
    loan: {
      id: loan.id,
      reference: loan.reference,
      status: loan.status,
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

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, partnerId, loan } = await context(request, params);
  const values = formToObject(await request.formData());
  const here = `/portal/${partnerId}/loans/${loan.id}`;
  try {
    switch (values.intent) {
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
    if (error instanceof LoanRequestError) {
      return json({ intent: values.intent ?? "", errors: { [error.field]: [error.message] } as Record<string, string[]>, values }, { status: 409 });
    }
    throw error;
  }
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default function PartnerLoan() {
  const { partnerId, loan, formValues, borrowers, schedule } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const errorsFor = (intent: string) => (data?.intent === intent ? data.errors : undefined);
  const cancellable = ["draft", "submitted", "fundraising"].includes(loan.status);
  return (
    <section aria-labelledby="loan-title">
      <p><Link to={`/portal/${partnerId}/loans`}>← All loan requests</Link></p>
      <h1 id="loan-title">
        {loan.reference}: {loan.borrower}
      </h1>
      <p className="loan-amount">
        <strong>{formatMoney(loan.amountUsdCents, "USD")}</strong> ({formatMoney(BigInt(loan.amountLocalMinor), loan.localCurrency)}) ·{" "}
        <span className={`status status-${loan.status}`}>{STATUS_LABELS[loan.status]}</span>
      </p>
      <FormError errors={data?.errors[""]} />
      {loan.status === "draft" && loan.reviewComment ? (
        <div className="notice warning" role="note">
          <strong>Returned by the reviewer:</strong> {loan.reviewComment}
        </div>
      ) : null}
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

      <h2>Repayment schedule</h2>
      <ScheduleTable schedule={schedule} caption={loan.status === "draft" || loan.status === "submitted" ? "If disbursed today" : "From the listing date"} />

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
            />
            <button type="submit">Save changes</button>
          </Form>
        </>
      ) : null}

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
