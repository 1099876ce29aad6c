import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { FormError } from "~/components/forms.tsx";
import { LoanRequestFields } from "~/components/loan-request-fields.tsx";
import { PublicTextPreview } from "~/components/public-text-preview.tsx";
import { previewPublicText, previewSchema } from "~/models/consent.server.ts";
import { ScheduleTable } from "~/components/schedule-table.tsx";
import { fieldErrors, formToObject } from "~/lib/forms.ts";
import {
  borrowerOptions,
  createDraft,
  localAmount,
  LoanRequestError,
  loanRequestSchema,
  scheduleFor,
  scheduleView,
} from "~/models/loan-request.server.ts";
import { MANAGING_ROLES, requireStaffPartner } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Draft a loan request — Mavuno partner portal" }];

const context = (request: Request, partnerId: string) => requireStaffPartner(request, partnerId, MANAGING_ROLES);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { partner } = await context(request, params.partnerId ?? "");
  const borrower = new URL(request.url).searchParams.get("borrower") ?? "";
  return json({ partnerId: partner.id, currency: partner.currency, borrowers: await borrowerOptions(partner.id), borrower });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, partner } = await context(request, params.partnerId ?? "");
  const values = formToObject(await request.formData());
  // What the loan is for as the public would read it, for the form shown again (not needed once saved).
  const previewOf = async () => {
    const input = previewSchema.safeParse({ about: values.borrower, as: "borrower", text: values.purpose });
    return input.success ? previewPublicText(partner.id, input.data) : null;
  };
  const parsed = loanRequestSchema().safeParse(values);
  if (!parsed.success) return json({ errors: fieldErrors(parsed.error), values, schedule: null, purposePreview: await previewOf() }, { status: 400 });
  if (values.intent === "preview") {
    const input = parsed.data;
    const schedule = scheduleFor(
      {
        amountLocalMinor: localAmount(input.amountUsd, input.fxRate, partner.currency),
        annualRateBps: input.annualRate,
        termMonths: input.termMonths,
        frequency: input.frequency,
        interestMethod: input.interestMethod,
        graceInstalments: input.graceInstalments,
      },
      new Date(),
    );
    return json({ errors: {} as Record<string, string[]>, values, schedule: scheduleView(schedule, partner.currency), purposePreview: await previewOf() });
  }
  try {
    const loan = await createDraft(partner.id, parsed.data, user.id);
    return redirect(`/portal/${partner.id}/loans/${loan.id}`);
  } catch (error) {
    if (error instanceof LoanRequestError) return json({ errors: { [error.field]: [error.message] }, values, schedule: null, purposePreview: await previewOf() }, { status: 400 });
    throw error;
  }
}

export default function NewLoanRequest() {
  const { partnerId, currency, borrowers, borrower } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  return (
    <section aria-labelledby="new-loan-title">
      <h1 id="new-loan-title">Draft a loan request</h1>
      <p>A draft is private to your organisation. Submit it when it is ready; a Mavuno reviewer approves it before lenders see it.</p>
      <Form method="post" noValidate>
        <FormError errors={data?.errors[""]} />
        <LoanRequestFields
          borrowers={borrowers}
          currency={currency}
          values={data?.values ?? { borrower }}
          errors={data?.errors}
          preview={<PublicTextPreview partnerId={partnerId} textField="purpose" aboutField="borrower" initial={data?.purposePreview ?? null} />}
        />
        <div className="actions">
          <button type="submit" name="intent" value="preview" className="secondary">Show the repayment schedule</button>
          <button type="submit" name="intent" value="save">Save draft</button>
        </div>
      </Form>
      {data?.schedule ? <ScheduleTable schedule={data.schedule} caption="Repayment schedule if disbursed today" /> : null}
    </section>
  );
}
