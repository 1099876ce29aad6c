import type { ReactNode } from "react";
import { Field, SelectField, TextAreaField } from "./forms.tsx";
import { AREA_LABELS, CLIENT_AREAS } from "~/lib/impact-public.ts";

const GENDER_OPTIONS = [
  { value: "female", label: "Woman" },
  { value: "male", label: "Man" },
  { value: "other", label: "Other" },
  { value: "unspecified", label: "Prefers not to say" },
];

export type ClientValues = Partial<Record<"fullName" | "aliases" | "gender" | "region" | "village" | "sector" | "story" | "area", string>>;

export function ClientFields({
  regions,
  values,
  errors,
  preview,
}: {
  regions: string[];
  values?: ClientValues;
  errors?: Record<string, string[]>;
  /** The story as the public will read it (PublicTextPreview), shown under the story. */
  preview?: ReactNode;
}) {
  return (
    <>
      <Field name="fullName" label="Full name" defaultValue={values?.fullName} errors={errors?.fullName} required />
      <Field
        name="aliases"
        label="Also known as"
        hint="Nicknames or other names the client goes by, separated by commas. Hidden in stories like the full name unless the client agrees to show their name."
        defaultValue={values?.aliases}
        errors={errors?.aliases}
      />
      <SelectField name="gender" label="Gender" options={GENDER_OPTIONS} defaultValue={values?.gender ?? "female"} errors={errors?.gender} />
      <div className="field-row">
        <SelectField name="region" label="Region" options={regions.map((r) => ({ value: r, label: r }))} defaultValue={values?.region} errors={errors?.region} />
        <Field name="village" label="Village or town" defaultValue={values?.village} errors={errors?.village} required />
        <SelectField
          name="area"
          label="Rural or urban"
          options={CLIENT_AREAS.map((a) => ({ value: a, label: AREA_LABELS[a] }))}
          defaultValue={values?.area ?? "unknown"}
          errors={errors?.area}
        />
      </div>
      <Field name="sector" label="Line of business" hint="For example: Retail, Agriculture, Food, Services." defaultValue={values?.sector} errors={errors?.sector} required />
      <TextAreaField
        name="story"
        label="Profile story"
        hint="Shown to lenders only while the client's story consent is live, with names and places the client has not agreed to show replaced."
        defaultValue={values?.story}
        errors={errors?.story}
      />
      {preview}
    </>
  );
}
