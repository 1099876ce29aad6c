import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useSearchParams } from "@remix-run/react";
import { Field, FormError } from "~/components/forms.tsx";
import { fieldErrors, formToObject, safeRedirect } from "~/lib/forms.ts";
import { logIn, logInSchema } from "~/models/user.server.ts";
import { getOptionalUser } from "~/utils/auth.server.ts";
import { createSession, sessionCookie } from "~/utils/session.server.ts";

export const meta: MetaFunction = () => [{ title: "Log in — Mavuno" }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getOptionalUser(request)) throw redirect("/account");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const values = formToObject(form);
  const parsed = logInSchema.safeParse(values);
  const email = values.email ?? "";
  if (!parsed.success) {
    return json({ errors: fieldErrors(parsed.error), email }, { status: 400 });
  }
  const result = await logIn(parsed.data, context.clientIp);
  if (!result.ok) {
    const message =
      result.reason === "throttled"
        ? `Too many failed log-in attempts. Try again in ${result.retryAfterMinutes} minute${result.retryAfterMinutes === 1 ? "" : "s"}.`
        : "Email or password is incorrect.";
    return json({ errors: { "": [message] } as Record<string, string[]>, email }, { status: result.reason === "throttled" ? 429 : 400 });
  }
  const session = await createSession(result.userId, request.headers.get("User-Agent"));
  return redirect(safeRedirect(form.get("redirectTo"), "/account"), {
    headers: { "Set-Cookie": sessionCookie(session.token) },
  });
}

export default function LogIn() {
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  return (
    <section className="narrow" aria-labelledby="login-title">
      <h1 id="login-title">Log in</h1>
      <Form method="post" noValidate>
        <FormError errors={data?.errors[""]} />
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
        <Field name="email" label="Email" type="email" autoComplete="email" defaultValue={data?.email} errors={data?.errors.email} required />
        <Field name="password" label="Password" type="password" autoComplete="current-password" errors={data?.errors.password} required />
        <button type="submit">Log in</button>
      </Form>
      <p>
        New to Mavuno? <Link to="/signup">Create an account</Link>.
      </p>
    </section>
  );
}
