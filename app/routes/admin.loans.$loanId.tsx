import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { FormError, TextAreaField } from "~/components/forms.tsx";
import { ScheduleTable } from "~/components/schedule-table.tsx";
import { PublicReading } from "~/components/public-reading.tsx";
import { loanPublicReading } from "~/models/consent.server.ts";
import { fieldErrors, formToObject } from "~/lib/forms.ts";
import { FREQUENCY_LABELS, METHOD_LABELS, percentFromBps, STATUS_LABELS } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import { countryName } from "~/lib/places.ts";
import { getLoanForReview, LoanRequestError, reviewLoan, reviewSchema, scheduleFor, scheduleView } from "~/models/loan-request.server.ts";
import { requireAdmin } from "~/utils/auth.server.ts";

const LOAN_TEXTS = { purpose: "What the loan is for" };

export const meta: MetaFunction = () => [{ title: "Review a loan request — Mavuno admin" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const loan = await getLoanForReview(params.loanId ?? "");
  if (!loan) throw new Response("Not found", { status: 404 });
  const story = loan.client?.story ?? loan.group?.story ?? "";
  return json({
    reading: await loanPublicReading(loan.id, { purpose: loan.purpose, story }),
    loan: {
      id: loan.id,
      reference: loan.reference,
      status: loan.status,
      amountUsdCents: loan.amountUsdCents,
      amountLocalMinor: loan.amountLocalMinor.toString(),
      localCurrency: loan.localCurrency,
      fxRate: loan.fxRate.toString(),
      purpose: loan.purpose,
      sector: loan.sector,
      termMonths: loan.termMonths,
      frequency: loan.frequency,
      interestMethod: loan.interestMethod,
      annualRateBps: loan.annualRateBps,
      fundraisingDeadline: loan.fundraisingDeadline?.toISOString() ?? null,
      partner: { name: loan.partner.name, country: countryName(loan.partner.country) },
      borrower: loan.client ? `${loan.client.fullName} (${loan.client.village}, ${loan.client.region})` : `Group: ${loan.group?.name ?? "—"}`,
      story,
      events: loan.events.map((e) => ({ ...e, at: e.at.toISOString() })),
    },
    schedule: scheduleView(scheduleFor(loan, new Date()), loan.localCurrency),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requireAdmin(request);
  const values = formToObject(await request.formData());
  const parsed = reviewSchema.safeParse(values);
  if (!parsed.success) return json({ errors: fieldErrors(parsed.error) }, { status: 400 });
  try {
    await reviewLoan(params.loanId ?? "", admin.id, parsed.data);
  } catch (error) {
    if (error instanceof LoanRequestError) return json({ errors: { "": [error.message] } as Record<string, string[]> }, { status: 409 });
    throw error;
  }
  return redirect("/admin/loans");
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default function ReviewLoan() {
  const { loan, schedule, reading } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  return (
    <section aria-labelledby="review-title">
      <p><Link to="/admin/loans">← Review queue</Link></p>
      <h1 id="review-title">Review {loan.reference}</h1>
      <p>
        <span className={`status status-${loan.status}`}>{STATUS_LABELS[loan.status]}</span> · {loan.partner.name}, {loan.partner.country}
      </p>
      <dl className="facts">
        <dt>Borrower</dt><dd>{loan.borrower}</dd>
        <dt>Amount</dt><dd>{formatMoney(loan.amountUsdCents, "USD")} = {formatMoney(BigInt(loan.amountLocalMinor), loan.localCurrency)} at {loan.fxRate}</dd>
        <dt>Purpose</dt><dd>{loan.purpose} ({loan.sector})</dd>
        <dt>Terms</dt><dd>{loan.termMonths} months, {FREQUENCY_LABELS[loan.frequency]}, {percentFromBps(loan.annualRateBps)} {METHOD_LABELS[loan.interestMethod]}</dd>
        <dt>Fundraising until</dt><dd>{loan.fundraisingDeadline ? dateFormat.format(new Date(loan.fundraisingDeadline)) : "—"}</dd>
        <dt>Story as written</dt><dd>{loan.story || "—"}</dd>
      </dl>
      {reading ? <PublicReading reading={reading} headings={LOAN_TEXTS} /> : null}
      <h2>Schedule</h2>
      <ScheduleTable schedule={schedule} caption="If disbursed today" />
      {loan.status === "submitted" ? (
        <Form method="post" noValidate>
          <FormError errors={data?.errors[""]} />
          <TextAreaField name="comment" label="Comments for the partner" hint="Required when you return the request." errors={data?.errors.comment} rows={3} />
          <div className="actions">
            <button type="submit" name="decision" value="approve">Approve and list</button>
            <button type="submit" name="decision" value="return" className="secondary">Return to the partner</button>
          </div>
        </Form>
      ) : (
        <p>This request is not waiting for review.</p>
      )}
    </section>
  );
}
