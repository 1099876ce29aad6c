import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { Field, FormError } from "~/components/forms.tsx";
import {
  AUTO_GENDERS,
  autoLendForm,
  BORROWER_KIND_LABELS,
  BORROWER_KINDS,
  bpsToPercentText,
  GENDER_LABELS,
  OUTCOME_LABELS,
  type AutoLendSettings,
} from "~/lib/auto-lend.ts";
import { fieldErrors, type FieldErrors } from "~/lib/forms.ts";
import { formatMoney } from "~/lib/money.ts";
import { autoLendChoices, getAutoLendSettings, idleCreditOf, listAutoLendDecisions, saveAutoLendSettings } from "~/models/auto-lend.server.ts";
import { requireUser } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Auto-lending — Mavuno" }];

type FormValues = {
  enabled: boolean;
  countries: string[];
  sectors: string[];
  genders: string[];
  borrowerKind: string;
  minPartnerRepayment: string;
  maxTermMonths: string;
  idleDays: string;
  maxPartnerPercent: string;
  maxCountryPercent: string;
};

function valuesOf(settings: AutoLendSettings): FormValues {
  return {
    enabled: settings.enabled,
    countries: settings.countries,
    sectors: settings.sectors,
    genders: settings.genders,
    borrowerKind: settings.borrowerKind,
    minPartnerRepayment: settings.minPartnerRepaymentBps > 0 ? bpsToPercentText(settings.minPartnerRepaymentBps) : "",
    maxTermMonths: settings.maxTermMonths === null ? "" : String(settings.maxTermMonths),
    idleDays: String(settings.idleDays),
    maxPartnerPercent: bpsToPercentText(settings.maxPartnerBps),
    maxCountryPercent: bpsToPercentText(settings.maxCountryBps),
  };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const settings = await getAutoLendSettings(user.id);
  const [choices, decisions, idle] = await Promise.all([
    autoLendChoices(settings),
    listAutoLendDecisions(user.id),
    idleCreditOf(user.id, settings.idleDays, new Date()),
  ]);
  return json({
    values: valuesOf(settings),
    lastRunAt: settings.lastRunAt?.toISOString() ?? null,
    idle: { balance: idle.balance.toString(), recent: idle.recent.toString(), idle: idle.idle.toString(), days: settings.idleDays },
    choices,
    decisions: decisions.map((d) => ({ ...d, at: d.at.toISOString() })),
  });
}

const strings = (form: FormData, name: string) => form.getAll(name).filter((v): v is string => typeof v === "string");
const text = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
};

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const form = await request.formData();
  const input = {
    enabled: form.get("enabled") === "on" ? "on" : undefined,
    countries: strings(form, "countries"),
    sectors: strings(form, "sectors"),
    genders: strings(form, "genders"),
    borrowerKind: text(form, "borrowerKind"),
    minPartnerRepayment: text(form, "minPartnerRepayment"),
    maxTermMonths: text(form, "maxTermMonths"),
    idleDays: text(form, "idleDays"),
    maxPartnerPercent: text(form, "maxPartnerPercent"),
    maxCountryPercent: text(form, "maxCountryPercent"),
  };
  const parsed = autoLendForm.safeParse(input);
  if (!parsed.success) {
    const errors: FieldErrors = {};
    // "genders.0" (one bad box in a group) is reported on the group.
    for (const [key, messages] of Object.entries(fieldErrors(parsed.error))) (errors[key.split(".")[0]!] ??= []).push(...messages);
    const values: FormValues = { ...input, enabled: input.enabled === "on" };
    return json({ errors, values }, { status: 400 });
  }
  await saveAutoLendSettings(user.id, parsed.data);
  return redirect(`/wallet/auto-lend?saved=${parsed.data.enabled ? "on" : "off"}`);
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

function CheckboxGroup(props: {
  name: string;
  legend: string;
  hint: string;
  options: { value: string; label: string }[];
  checked: string[];
  errors?: string[] | undefined;
}) {
  const errorId = props.errors?.length ? `${props.name}-error` : undefined;
  return (
    <fieldset aria-describedby={[`${props.name}-hint`, errorId].filter(Boolean).join(" ")}>
      <legend>{props.legend}</legend>
      <p className="hint" id={`${props.name}-hint`}>
        {props.hint}
      </p>
      {props.options.length === 0 ? <p className="muted">None to choose from yet.</p> : null}
      <div>
        {props.options.map((o) => (
          <label key={o.value} className="checkbox">
            <input type="checkbox" name={props.name} value={o.value} defaultChecked={props.checked.includes(o.value)} /> {o.label}
          </label>
        ))}
      </div>
      {errorId ? (
        <p className="field-error" id={errorId}>
          {props.errors!.join(" ")}
        </p>
      ) : null}
    </fieldset>
  );
}

export default function AutoLend() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  const values = actionData?.values ?? data.values;
  const errors: FieldErrors = actionData?.errors ?? {};
  const saved = params.get("saved");
  const idleDays = `${data.idle.days} day${data.idle.days === 1 ? "" : "s"}`;

  return (
    <section aria-labelledby="auto-lend-title">
      <p>
        <Link to="/wallet">← Your wallet</Link>
      </p>
      <h1 id="auto-lend-title">Auto-lending</h1>
      <p>
        When it is on, once a day Mavuno lends the credit that has sat unused in your wallet for as many days as you choose, one $25
        share per loan, only to loans that fit your choices below and never to a loan you already support. It stops short of putting
        more of your portfolio with one field partner or in one country than you allow, and emails you what it lent. It is off until you
        turn it on, and you can turn it off at any time.
      </p>
      {saved ? (
        <p className="notice" role="status">
          {saved === "on" ? "Saved. Auto-lending is on; it runs within the next day." : "Saved. Auto-lending is off."}
        </p>
      ) : null}
      <dl className="facts">
        <dt>Status</dt>
        <dd>{data.values.enabled ? "On" : "Off"}</dd>
        <dt>Last run (UTC)</dt>
        <dd>{data.lastRunAt ? dateFormat.format(new Date(data.lastRunAt)) : "Never"}</dd>
        <dt>Idle credit now</dt>
        <dd>
          {formatMoney(BigInt(data.idle.idle), "USD")} of {formatMoney(BigInt(data.idle.balance), "USD")} in your wallet
          {BigInt(data.idle.recent) > 0n ? ` (${formatMoney(BigInt(data.idle.recent), "USD")} arrived in the last ${idleDays})` : ""}
        </dd>
      </dl>

      <Form method="post" noValidate aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        <FormError errors={errors[""]} />
        <label className="checkbox">
          <input type="checkbox" name="enabled" defaultChecked={values.enabled} /> Lend my idle credit automatically
        </label>

        <h3>Which loans</h3>
        <CheckboxGroup
          name="countries"
          legend="Countries"
          hint="Tick none for any country."
          options={data.choices.countries.map((c) => ({ value: c.code, label: c.name }))}
          checked={values.countries}
          errors={errors.countries}
        />
        <CheckboxGroup
          name="sectors"
          legend="Sectors"
          hint="Tick none for any sector."
          options={data.choices.sectors.map((s) => ({ value: s, label: s }))}
          checked={values.sectors}
          errors={errors.sectors}
        />
        <CheckboxGroup
          name="genders"
          legend="Gender of individual borrowers"
          hint="Tick none for any. Ticking any of these leaves out group loans, which have no single gender."
          options={AUTO_GENDERS.map((g) => ({ value: g, label: GENDER_LABELS[g] }))}
          checked={values.genders}
          errors={errors.genders}
        />
        <fieldset aria-describedby={errors.borrowerKind?.length ? "borrowerKind-error" : undefined}>
          <legend>Borrowers</legend>
          {BORROWER_KINDS.map((kind) => (
            <label key={kind} className="checkbox">
              <input type="radio" name="borrowerKind" value={kind} defaultChecked={values.borrowerKind === kind} /> {BORROWER_KIND_LABELS[kind]}
            </label>
          ))}
          {errors.borrowerKind?.length ? (
            <p className="field-error" id="borrowerKind-error">
              {errors.borrowerKind.join(" ")}
            </p>
          ) : null}
        </fieldset>
        <div className="field-row">
          <Field
            name="minPartnerRepayment"
            label="Minimum partner repayment rate (%)"
            hint="Empty for any partner. A partner with no repayments due yet has no rate, and does not meet a minimum."
            defaultValue={values.minPartnerRepayment}
            errors={errors.minPartnerRepayment}
          />
          <Field name="maxTermMonths" label="Longest term (months)" hint="Empty for any term." defaultValue={values.maxTermMonths} errors={errors.maxTermMonths} />
        </div>

        <h3>When and how much</h3>
        <div className="field-row">
          <Field
            name="idleDays"
            label="Idle days before lending"
            hint="Credit is lent only after it has sat in your wallet this many days, so you have time to lend, donate or withdraw it yourself."
            defaultValue={values.idleDays}
            errors={errors.idleDays}
            required
          />
          <Field
            name="maxPartnerPercent"
            label="Most of your portfolio with one field partner (%)"
            hint="Your outstanding loans, counting what auto-lending adds."
            defaultValue={values.maxPartnerPercent}
            errors={errors.maxPartnerPercent}
            required
          />
          <Field
            name="maxCountryPercent"
            label="Most of your portfolio in one country (%)"
            hint="Your outstanding loans, counting what auto-lending adds."
            defaultValue={values.maxCountryPercent}
            errors={errors.maxCountryPercent}
            required
          />
        </div>
        <button type="submit" disabled={busy}>
          Save settings
        </button>
      </Form>

      <h2 id="decisions-title">What auto-lending did</h2>
      {data.decisions.length === 0 ? (
        <p>Nothing yet.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption>Its latest {data.decisions.length} decisions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Decision</th>
                <th scope="col">Loan</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {data.decisions.map((d) => (
                <tr key={d.id}>
                  <td>{dateFormat.format(new Date(d.at))}</td>
                  <td>{OUTCOME_LABELS[d.outcome] ?? d.outcome}</td>
                  <td>{d.loanId && d.reference ? <Link to={`/loans/${d.loanId}`}>{d.reference}</Link> : <span className="muted">—</span>}</td>
                  <td>{d.reason}</td>
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
