import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { Field, FormError, SelectField } from "~/components/forms.tsx";
import { fieldErrors, formToObject, type FieldErrors } from "~/lib/forms.ts";
import { PARTNER_ROLES, ROLE_HINTS, ROLE_LABELS } from "~/lib/partner-labels.ts";
import {
  changeStaffRole,
  inviteStaff,
  listStaff,
  PartnerRuleError,
  removeStaff,
  revokeInvite,
  staffActionSchema,
} from "~/models/partner.server.ts";
import { requirePartnerStaff } from "~/utils/auth.server.ts";
import { publicOrigin } from "~/utils/email.server.ts";

export const meta: MetaFunction = () => [{ title: "Staff — Mavuno partner portal" }];

// Only this partner's admins manage its staff; the layout's check does not cover this loader or action.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const partnerId = params.partnerId ?? "";
  const { user } = await requirePartnerStaff(request, partnerId, ["admin"]);
  const { members, invites } = await listStaff(partnerId);
  return json({
    members: members.map((m) => ({
      id: m.id,
      role: m.role,
      name: m.user.name,
      email: m.user.email,
      isYou: m.user.id === user.id,
      since: m.createdAt.toISOString(),
    })),
    invites: invites.map((i) => ({ id: i.id, email: i.email, role: i.role, expired: i.expired, expiresAt: i.expiresAt.toISOString() })),
  });
}

type ActionResult = { errors: FieldErrors; notice: string | null; link: string | null; intent: string | null };

export async function action({ request, params }: ActionFunctionArgs) {
  const partnerId = params.partnerId ?? "";
  const { user } = await requirePartnerStaff(request, partnerId, ["admin"]);
  const values = formToObject(await request.formData());
  const parsed = staffActionSchema.safeParse(values);
  const intent = values.intent ?? null;
  if (!parsed.success) {
    return json<ActionResult>({ errors: fieldErrors(parsed.error), notice: null, link: null, intent }, { status: 400 });
  }
  const input = parsed.data;
  try {
    switch (input.intent) {
      case "invite": {
        const result = await inviteStaff({
          partnerId,
          invitedBy: { id: user.id, name: user.name },
          email: input.email,
          role: input.role,
          origin: publicOrigin(request),
        });
        const notice = result.emailed
          ? `Invitation sent to ${input.email}.`
          : `The invitation for ${input.email} is ready, but the email could not be sent. Send them this link yourself:`;
        return json<ActionResult>({ errors: {}, notice, link: result.link, intent });
      }
      case "revoke":
        await revokeInvite({ partnerId, inviteId: input.inviteId });
        return json<ActionResult>({ errors: {}, notice: "Invitation withdrawn.", link: null, intent });
      case "change-role": {
        const changed = await changeStaffRole({ partnerId, membershipId: input.membershipId, role: input.role });
        if (changed.userId === user.id && input.role !== "admin") return redirect(`/portal/${partnerId}`);
        return json<ActionResult>({ errors: {}, notice: "Role changed.", link: null, intent });
      }
      case "remove": {
        const removed = await removeStaff({ partnerId, membershipId: input.membershipId });
        if (removed.userId === user.id) return redirect("/account");
        return json<ActionResult>({ errors: {}, notice: "Removed from your staff.", link: null, intent });
      }
    }
  } catch (error) {
    if (error instanceof PartnerRuleError) {
      return json<ActionResult>({ errors: { [error.field]: [error.message] }, notice: null, link: null, intent }, { status: error.status });
    }
    throw error;
  }
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
const roleOptions = PARTNER_ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] }));

export default function Staff() {
  const { members, invites } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const inviteErrors = data?.intent === "invite" ? data.errors : {};
  return (
    <section aria-labelledby="staff-title">
      <h1 id="staff-title">Staff</h1>
      {data?.notice ? (
        <div className="notice" role="status">
          <p>{data.notice}</p>
          {data.link ? (
            <p>
              <code>{data.link}</code>
            </p>
          ) : null}
        </div>
      ) : null}
      {data?.intent !== "invite" ? <FormError errors={data?.errors[""]} /> : null}
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">People on your staff</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Since</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.id}>
                <td>
                  {m.name}
                  {m.isYou ? <strong> (you)</strong> : null}
                  <br />
                  <span className="muted">{m.email}</span>
                </td>
                <td>
                  <Form method="post" className="actions">
                    <input type="hidden" name="intent" value="change-role" />
                    <input type="hidden" name="membershipId" value={m.id} />
                    <label className="visually-hidden" htmlFor={`role-${m.id}`}>
                      Role of {m.name}
                    </label>
                    <select id={`role-${m.id}`} name="role" defaultValue={m.role}>
                      {roleOptions.map((o) => (
                        <option key={o.value} value={o.value}>
                          {o.label}
                        </option>
                      ))}
                    </select>
                    <button type="submit" className="secondary" aria-label={`Change ${m.name}'s role`}>
                      Change
                    </button>
                  </Form>
                </td>
                <td>{dateFormat.format(new Date(m.since))}</td>
                <td>
                  <Form method="post">
                    <input type="hidden" name="intent" value="remove" />
                    <input type="hidden" name="membershipId" value={m.id} />
                    <button type="submit" className="danger" aria-label={`Remove ${m.name}`}>
                      Remove
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2 id="invites-title">Pending invitations</h2>
      {invites.length === 0 ? (
        <p>No invitations are waiting.</p>
      ) : (
        <div className="table-scroll">
          <table aria-labelledby="invites-title">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Link works until</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invites.map((i) => (
                <tr key={i.id}>
                  <td>{i.email}</td>
                  <td>{ROLE_LABELS[i.role]}</td>
                  <td>{i.expired ? "Expired: invite them again" : dateFormat.format(new Date(i.expiresAt))}</td>
                  <td>
                    <Form method="post">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="inviteId" value={i.id} />
                      <button type="submit" className="secondary" aria-label={`Withdraw the invitation for ${i.email}`}>
                        Withdraw
                      </button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2 id="invite-title">Invite someone</h2>
      {/* A new key after each invitation sent empties the form for the next one. */}
      <Form key={data?.intent === "invite" && data.notice ? data.notice : "invite"} method="post" noValidate aria-labelledby="invite-title" className="narrow">
        <input type="hidden" name="intent" value="invite" />
        <FormError errors={inviteErrors[""]} />
        <Field name="email" label="Their email" type="email" autoComplete="off" errors={inviteErrors.email} required />
        <SelectField
          name="role"
          label="Their role"
          options={roleOptions}
          defaultValue="officer"
          errors={inviteErrors.role}
          hint={PARTNER_ROLES.map((r) => `${ROLE_LABELS[r]}: ${ROLE_HINTS[r]}`).join(". ") + "."}
        />
        <button type="submit">Send invitation</button>
      </Form>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
