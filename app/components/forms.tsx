import type { ReactNode } from "react";

type FieldProps = {
  name: string;
  label: string;
  type?: string;
  autoComplete?: string;
  defaultValue?: string;
  errors?: string[] | undefined;
  hint?: ReactNode;
  required?: boolean;
};

/** A labelled input whose errors are announced and tied to it for screen readers. */
export function Field({ name, label, type = "text", autoComplete, defaultValue, errors, hint, required }: FieldProps) {
  const id = `field-${name}`;
  const errorId = errors?.length ? `${id}-error` : undefined;
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <input
        id={id}
        name={name}
        type={type}
        autoComplete={autoComplete}
        defaultValue={defaultValue}
        required={required}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(" ") || undefined}
      />
      {errors?.length ? (
        <p className="field-error" id={errorId}>
          {errors.join(" ")}
        </p>
      ) : null}
    </div>
  );
}

export function FormError({ errors }: { errors?: string[] | undefined }) {
  if (!errors?.length) return null;
  return (
    <div className="form-error" role="alert">
      {errors.join(" ")}
    </div>
  );
}

type ChoiceProps = {
  name: string;
  label: string;
  options: readonly { value: string; label: string }[];
  defaultValue?: string | undefined;
  errors?: string[] | undefined;
  hint?: ReactNode;
};

function describedBy(name: string, errors?: string[], hint?: ReactNode) {
  const id = `field-${name}`;
  return {
    id,
    errorId: errors?.length ? `${id}-error` : undefined,
    hintId: hint ? `${id}-hint` : undefined,
  };
}

export function SelectField({ name, label, options, defaultValue, errors, hint }: ChoiceProps) {
  const { id, errorId, hintId } = describedBy(name, errors, hint);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? <p className="hint" id={hintId}>{hint}</p> : null}
      <select
        id={id}
        name={name}
        defaultValue={defaultValue}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(" ") || undefined}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {errors?.length ? <p className="field-error" id={errorId}>{errors.join(" ")}</p> : null}
    </div>
  );
}

export function TextAreaField({
  name,
  label,
  defaultValue,
  errors,
  hint,
  rows = 5,
}: { name: string; label: string; defaultValue?: string | undefined; errors?: string[] | undefined; hint?: ReactNode; rows?: number }) {
  const { id, errorId, hintId } = describedBy(name, errors, hint);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? <p className="hint" id={hintId}>{hint}</p> : null}
      <textarea
        id={id}
        name={name}
        rows={rows}
        defaultValue={defaultValue}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(" ") || undefined}
      />
      {errors?.length ? <p className="field-error" id={errorId}>{errors.join(" ")}</p> : null}
    </div>
  );
}
