import { Field, SelectField, TextAreaField } from "./forms.tsx";
import { AREA_LABELS, CLIENT_AREAS } from "~/lib/impact-public.ts";

const GENDER_OPTIONS = [
  { value: "female", label: "Woman" },
  { value: "male", label: "Man" },
  { value: "other", label: "Other" },
  { value: "unspecified", label: "Prefers not to say" },
];

export type ClientValues = Partial<Record<"fullName" | "gender" | "region" | "village" | "sector" | "story" | "area", string>>;

export function ClientFields({ regions, values, errors }: { regions: string[]; values?: ClientValues; errors?: Record<string, string[]> }) {
  return (
    <>
      <Field name="fullName" label="Full name" defaultValue={values?.fullName} errors={errors?.fullName} required />
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
        hint="Shown to lenders only while the client's story consent is live."
        defaultValue={values?.story}
        errors={errors?.story}
      />
    </>
  );
}
