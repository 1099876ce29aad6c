import type { ReactNode } from "react";
import { Field, SelectField, TextAreaField } from "~/components/forms.tsx";

type Props = {
  groups: readonly { id: string; name: string }[];
  clients: readonly { id: string; name: string }[];
  values?: Record<string, string> | undefined;
  errors?: Record<string, string[]> | undefined;
  /** The title and risks as the public will read them (PublicTextPreview), under each field. */
  previews?: { title?: ReactNode; risks?: ReactNode };
};

/** The terms of a draft offering, shared by the new and edit forms. */
export function OfferingFields({ groups, clients, values = {}, errors = {}, previews = {} }: Props) {
  const returned = values.capitalReturned ?? "yes";
  return (
    <>
      <SelectField
        name="groupId"
        label="Group"
        options={[{ value: "", label: "Choose a group" }, ...groups.map((g) => ({ value: g.id, label: g.name }))]}
        defaultValue={values.groupId}
        errors={errors.groupId}
        hint="A savings group: its members decide at a meeting."
      />
      <SelectField
        name="clientId"
        label="Or a client's own enterprise"
        options={[{ value: "", label: "Not an enterprise" }, ...clients.map((c) => ({ value: c.id, label: c.name }))]}
        defaultValue={values.clientId}
        errors={errors.clientId}
        hint="Leave the group empty. The owner answers the same questions and decides. Investors see the owner's name, story and place only with their consent, so keep the name out of the title."
      />
      <Field name="title" label="Title" defaultValue={values.title} errors={errors.title} hint="What the capital is for, e.g. “Grow the Umoja group's loan fund for the maize season”." />
      {previews.title}
      <Field name="maxRaise" label="Capital sought (USD, the most it may raise)" defaultValue={values.maxRaise} errors={errors.maxRaise} />
      <Field name="minRaise" label="Minimum raise (USD)" defaultValue={values.minRaise} errors={errors.minRaise} hint="If less than this is raised by the deadline, every investor is refunded." />
      <Field name="unitPrice" label="Unit price (USD)" defaultValue={values.unitPrice} errors={errors.unitPrice} hint="Must divide the capital sought exactly." />
      <Field name="profitSharePercent" label="Investors' share of the cycle's net profit (%)" defaultValue={values.profitSharePercent} errors={errors.profitSharePercent} hint="Between 0 and 100, e.g. 20." />
      <fieldset className="field" aria-describedby={errors.capitalReturned?.length ? "field-capitalReturned-error" : undefined}>
        <legend>Is investors' capital returned at the cycle's share-out?</legend>
        <label><input type="radio" name="capitalReturned" value="yes" defaultChecked={returned === "yes"} /> Yes: returned, less their share of any loss</label>
        <label><input type="radio" name="capitalReturned" value="no" defaultChecked={returned === "no"} /> No: it is spent with the cycle; investors receive only their profit share</label>
        {errors.capitalReturned?.length ? <p className="field-error" id="field-capitalReturned-error">{errors.capitalReturned.join(" ")}</p> : null}
      </fieldset>
      <Field name="cycleStart" type="date" label="Cycle starts" defaultValue={values.cycleStart} errors={errors.cycleStart} />
      <Field name="cycleEnd" type="date" label="Cycle ends (share-out)" defaultValue={values.cycleEnd} errors={errors.cycleEnd} />
      <Field name="fundraisingDeadline" type="date" label="Fundraising deadline" defaultValue={values.fundraisingDeadline} errors={errors.fundraisingDeadline} hint="On or before the cycle's start." />
      <Field name="perInvestorMaxUnits" type="number" label="Most units one investor may hold" defaultValue={values.perInvestorMaxUnits} errors={errors.perInvestorMaxUnits} />
      <Field name="cancellationHours" type="number" label="Cancellation window (hours after buying)" defaultValue={values.cancellationHours ?? "48"} errors={errors.cancellationHours} />
      <TextAreaField name="risks" label="Risks" defaultValue={values.risks} errors={errors.risks} hint="What could make the group lose money: weather, prices, members' loans not repaid…" />
      {previews.risks}
    </>
  );
}
