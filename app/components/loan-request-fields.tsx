import type { ReactNode } from "react";
import { Field, SelectField, TextAreaField } from "./forms.tsx";

export type BorrowerOption = { value: string; label: string };

export function LoanRequestFields({
  borrowers,
  currency,
  values,
  errors,
  preview,
}: {
  borrowers: BorrowerOption[];
  currency: string;
  values?: Record<string, string | undefined>;
  errors?: Record<string, string[]>;
  /** What the loan is for as the public will read it (PublicTextPreview), under the field. */
  preview?: ReactNode;
}) {
  return (
    <>
      <SelectField name="borrower" label="Borrower" options={[{ value: "", label: "Choose a client or group" }, ...borrowers]} defaultValue={values?.borrower} errors={errors?.borrower} />
      <div className="field-row">
        <Field name="amountUsd" label="Amount in US dollars" hint="A multiple of $25." defaultValue={values?.amountUsd} errors={errors?.amountUsd} required />
        <Field name="fxRate" label={`Exchange rate (${currency} per US dollar)`} defaultValue={values?.fxRate} errors={errors?.fxRate} required />
      </div>
      <TextAreaField
        name="purpose"
        label="What the loan is for"
        hint="Lenders read it with the names and places the borrower has not agreed to show replaced."
        rows={3}
        defaultValue={values?.purpose}
        errors={errors?.purpose}
      />
      {preview}
      <Field name="sector" label="Sector" defaultValue={values?.sector} errors={errors?.sector} required />
      <div className="field-row">
        <Field name="termMonths" label="Term (months)" type="number" defaultValue={values?.termMonths ?? "12"} errors={errors?.termMonths} />
        <SelectField
          name="frequency"
          label="Repaid"
          options={[
            { value: "monthly", label: "Monthly" },
            { value: "fortnightly", label: "Every two weeks" },
            { value: "weekly", label: "Weekly" },
          ]}
          defaultValue={values?.frequency ?? "monthly"}
          errors={errors?.frequency}
        />
      </div>
      <div className="field-row">
        <SelectField
          name="interestMethod"
          label="Interest method"
          options={[
            { value: "declining_balance", label: "Declining balance" },
            { value: "flat", label: "Flat" },
          ]}
          defaultValue={values?.interestMethod ?? "declining_balance"}
          errors={errors?.interestMethod}
        />
        <Field name="annualRate" label="Interest rate (% a year)" defaultValue={values?.annualRate} errors={errors?.annualRate} required />
        <Field name="graceInstalments" label="Grace period (instalments, interest only)" type="number" defaultValue={values?.graceInstalments ?? "0"} errors={errors?.graceInstalments} />
      </div>
      <Field name="fundraisingDeadline" label="Fundraising deadline" type="date" hint="At most 60 days from today." defaultValue={values?.fundraisingDeadline} errors={errors?.fundraisingDeadline} />
    </>
  );
}
