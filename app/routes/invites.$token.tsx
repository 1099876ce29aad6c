import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { FormError } from "~/components/forms.tsx";
import { ROLE_LABELS } from "~/lib/partner-labels.ts";
import { acceptInvite, getInvite, inviteStateMessage, PartnerRuleError } from "~/models/partner.server.ts";
import { getOptionalUser, requireUser } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [
  { title: "Staff invitation — Mavuno" },
  // The link is a secret: keep it out of search engines and other sites' logs.
  { name: "referrer", content: "no-referrer" },
  { name: "robots", content: "noindex" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const token = params.token ?? "";
  const invite = await getInvite(token);
  if (!invite) throw new Response("This invitation link is not valid. Check that you copied all of it.", { status: 404 });
  const user = await getOptionalUser(request);
  const back = new URLSearchParams({ redirectTo: `/invites/${token}` }).toString();
  return json(
    {
      invite: {
        partnerName: invite.partner.name,
        countryName: invite.partner.countryName,
        role: invite.role,
        email: invite.email,
        problem: invite.state === "pending" ? null : inviteStateMessage(invite.state, invite.partner.name),
      },
      user: user ? { email: user.email, matches: user.email.toLowerCase() === invite.email.toLowerCase() } : null,
      back,
    },
    // An unusable link is gone for good, and says so.
    { status: invite.state === "pending" ? 200 : 410 },
  );
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  try {
    const accepted = await acceptInvite({ token: params.token ?? "", user });
    return redirect(`/portal/${accepted.partnerId}`);
  } catch (error) {
    if (error instanceof PartnerRuleError) return json({ errors: [error.message] }, { status: error.status });
    throw error;
  }
}

export default function Invite() {
  const { invite, user, back } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const role = ROLE_LABELS[invite.role].toLowerCase();
  return (
    <section className="narrow" aria-labelledby="invite-title">
      <h1 id="invite-title">Join {invite.partnerName}</h1>
      <p>
        {invite.partnerName} ({invite.countryName}) has invited <strong>{invite.email}</strong> to join its staff on Mavuno as{" "}
        <strong>{role}</strong>.
      </p>
      {invite.problem ? (
        <p className="form-error" role="alert">
          {invite.problem}
        </p>
      ) : !user ? (
        <>
          <p>To accept, log in or create an account with {invite.email}. You will come straight back here.</p>
          <p className="actions">
            <Link className="button" to={`/login?${back}`}>
              Log in
            </Link>
            <Link className="button" to={`/signup?${back}`}>
              Create an account
            </Link>
          </p>
        </>
      ) : !user.matches ? (
        <p className="form-error" role="alert">
          This invitation is for {invite.email}, but you are logged in as {user.email}. Log out, then log in or sign up as{" "}
          {invite.email} to accept it.
        </p>
      ) : (
        <Form method="post">
          <FormError errors={data?.errors} />
          <button type="submit">
            Join {invite.partnerName} as {role}
          </button>
        </Form>
      )}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
