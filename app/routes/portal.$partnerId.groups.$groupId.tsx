import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { Field, FormError, SelectField, TextAreaField } from "~/components/forms.tsx";
import { percent } from "~/components/percent.tsx";
import { PublicTextPreview } from "~/components/public-text-preview.tsx";
import { previewPublicText } from "~/models/consent.server.ts";
import { fieldErrors, formToObject } from "~/lib/forms.ts";
import { formatMoney } from "~/lib/money.ts";
import { listClients } from "~/models/client.server.ts";
import { addMember, getGroup, GroupError, groupHealth, meetingSchema, recordMeeting, removeMember } from "~/models/group.server.ts";
import { MANAGING_ROLES, requireStaffPartner } from "~/utils/auth.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.group.name ?? "Group"} — Mavuno partner portal` }];

async function context(request: Request, params: { partnerId?: string; groupId?: string }, roles?: typeof MANAGING_ROLES) {
  const partnerId = params.partnerId ?? "";
  const { user, membership, partner } = await requireStaffPartner(request, partnerId, roles);
  const group = await getGroup(partnerId, params.groupId ?? "");
  if (!group) throw new Response("Not found", { status: 404 });
  return { user, membership, partner, group };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { membership, partner, group } = await context(request, params);
  const canManage = (MANAGING_ROLES as readonly string[]).includes(membership.role);
  const [health, clients, storyPreview] = await Promise.all([
    groupHealth(partner.id),
    canManage ? listClients(partner.id) : Promise.resolve([]),
    previewPublicText(partner.id, { about: `group:${group.id}`, as: "borrower", text: group.story }),
  ]);
  const memberIds = new Set(group.members.map((m) => m.client.id));
  return json({
    storyPreview,
    partnerId: partner.id,
    currency: partner.currency,
    canManage,
    group: {
      ...group,
      members: group.members.map((m) => ({ id: m.client.id, name: m.client.fullName })),
      meetings: group.meetings.map((m) => ({
        id: m.id,
        heldOn: m.heldOn.toISOString(),
        currency: m.currency,
        savingsCollected: m.savingsCollected.toString(),
        loansOutstanding: m.loansOutstanding.toString(),
        repaymentsCollected: m.repaymentsCollected.toString(),
        present: m.attendance.filter((a) => a.present).length,
        of: m.attendance.length,
      })),
    },
    health: health.find((h) => h.groupId === group.id)!,
    candidates: clients.filter((c) => !memberIds.has(c.id)).map((c) => ({ value: c.id, label: `${c.fullName} (${c.village})` })),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, partner, group } = await context(request, params, MANAGING_ROLES);
  const form = await request.formData();
  const values = formToObject(form);
  const here = `/portal/${partner.id}/groups/${group.id}`;
  try {
    switch (values.intent) {
      case "meeting": {
        const parsed = meetingSchema(partner.currency).safeParse(values);
        if (!parsed.success) return json({ intent: "meeting", errors: fieldErrors(parsed.error), values }, { status: 400 });
        await recordMeeting(partner.id, group.id, parsed.data, form.getAll("present").map(String), user.id);
        return redirect(here);
      }
      case "add-member":
        await addMember(partner.id, group.id, values.clientId ?? "");
        return redirect(here);
      case "remove-member":
        await removeMember(partner.id, group.id, values.clientId ?? "");
        return redirect(here);
      default:
        return json({ intent: "", errors: { "": ["Unknown request."] } as Record<string, string[]>, values }, { status: 400 });
    }
  } catch (error) {
    if (error instanceof GroupError) {
      return json({ intent: values.intent ?? "", errors: { [error.field]: [error.message] } as Record<string, string[]>, values }, { status: 400 });
    }
    throw error;
  }
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default function GroupPage() {
  const { partnerId, currency, canManage, group, health, candidates, storyPreview } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const errorsFor = (intent: string) => (data?.intent === intent ? data.errors : undefined);
  const today = new Date().toISOString().slice(0, 10);
  return (
    <section aria-labelledby="group-title">
      <p><Link to={`/portal/${partnerId}/groups`}>← All groups</Link></p>
      <h1 id="group-title">{group.name}</h1>
      <p className="loan-meta">
        {group.kind === "savings_group" ? "Savings group" : "Self-help group"} · {group.village}, {group.region} · {group.members.length} members
      </p>

      {group.story ? (
        <>
          <h2>The group&apos;s story</h2>
          <p className="story">{group.story}</p>
          <PublicTextPreview partnerId={partnerId} textField="story" about={`group:${group.id}`} initial={storyPreview} />
          <p className="hint">Shown to lenders only while every member&apos;s story consent is live; members&apos; names only with their own name consent.</p>
        </>
      ) : null}

      <h2>Health</h2>
      <dl className="facts">
        <dt>Attendance (last 6 meetings)</dt><dd>{percent(health.attendanceRate)}</dd>
        <dt>Savings growth (90 days)</dt><dd>{percent(health.savingsGrowth, { signed: true })}</dd>
      </dl>
      <div className="table-scroll">
        <table>
          <caption>By month</caption>
          <thead><tr><th scope="col">Month</th><th scope="col" className="num">Attendance</th><th scope="col" className="num">Savings collected</th></tr></thead>
          <tbody>
            {health.trend.map((t) => (
              <tr key={t.month}><td>{t.month}</td><td className="num">{percent(t.attendanceRate)}</td><td className="num">{formatMoney(BigInt(t.savings), health.currency)}</td></tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Members</h2>
      <ul>
        {group.members.map((m) => (
          <li key={m.id}>
            {canManage ? <Link to={`/portal/${partnerId}/clients/${m.id}`}>{m.name}</Link> : m.name}
            {canManage ? (
              <Form method="post" className="inline-form">
                <input type="hidden" name="intent" value="remove-member" />
                <input type="hidden" name="clientId" value={m.id} />{" "}
                <button type="submit" className="link-button">Remove</button>
              </Form>
            ) : null}
          </li>
        ))}
      </ul>
      {canManage && candidates.length > 0 ? (
        <Form method="post" className="filters">
          <input type="hidden" name="intent" value="add-member" />
          <SelectField name="clientId" label="Add a member" options={candidates} errors={errorsFor("add-member")?.clientId} />
          <button type="submit" className="secondary">Add</button>
        </Form>
      ) : null}

      <h2>Meetings</h2>
      {group.meetings.length === 0 ? <p>No meetings recorded yet.</p> : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr><th scope="col">Date</th><th scope="col" className="num">Present</th><th scope="col" className="num">Savings</th><th scope="col" className="num">Repayments</th><th scope="col" className="num">Loans outstanding</th></tr>
            </thead>
            <tbody>
              {group.meetings.map((m) => (
                <tr key={m.id}>
                  <td>{dateFormat.format(new Date(m.heldOn))}</td>
                  <td className="num">{m.present} of {m.of}</td>
                  <td className="num">{formatMoney(BigInt(m.savingsCollected), m.currency)}</td>
                  <td className="num">{formatMoney(BigInt(m.repaymentsCollected), m.currency)}</td>
                  <td className="num">{formatMoney(BigInt(m.loansOutstanding), m.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canManage ? (
        <Form method="post" noValidate>
          <fieldset>
            <legend>Record a meeting</legend>
            <input type="hidden" name="intent" value="meeting" />
            <FormError errors={errorsFor("meeting")?.[""] ?? errorsFor("meeting")?.attendance} />
            <Field name="heldOn" label="Date" type="date" defaultValue={data?.intent === "meeting" ? data.values.heldOn : today} errors={errorsFor("meeting")?.heldOn} />
            <div className="field-row">
              <Field name="savingsCollected" label={`Savings collected (${currency})`} defaultValue={data?.intent === "meeting" ? data.values.savingsCollected : undefined} errors={errorsFor("meeting")?.savingsCollected} />
              <Field name="repaymentsCollected" label={`Repayments collected (${currency})`} defaultValue={data?.intent === "meeting" ? data.values.repaymentsCollected : "0"} errors={errorsFor("meeting")?.repaymentsCollected} />
              <Field name="loansOutstanding" label={`Loans outstanding (${currency})`} defaultValue={data?.intent === "meeting" ? data.values.loansOutstanding : undefined} errors={errorsFor("meeting")?.loansOutstanding} />
            </div>
            <fieldset>
              <legend>Present</legend>
              {group.members.map((m) => (
                <label key={m.id} className="checkbox">
                  <input type="checkbox" name="present" value={m.id} defaultChecked /> {m.name}
                </label>
              ))}
            </fieldset>
            <TextAreaField name="notes" label="Notes" rows={2} defaultValue={data?.intent === "meeting" ? data.values.notes : undefined} errors={errorsFor("meeting")?.notes} />
            <button type="submit">Save meeting</button>
          </fieldset>
        </Form>
      ) : null}
    </section>
  );
}
