import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useSearchParams } from "@remix-run/react";
import { Field, FormError } from "~/components/forms.tsx";
import { fieldErrors, formToObject, safeRedirect, type FieldErrors } from "~/lib/forms.ts";
import { createUser, EmailTakenError, signUpSchema } from "~/models/user.server.ts";
import { getOptionalUser } from "~/utils/auth.server.ts";
import { createSession, sessionCookie } from "~/utils/session.server.ts";

export const meta: MetaFunction = () => [{ title: "Sign up — Mavuno" }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getOptionalUser(request)) throw redirect("/account");
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const values = formToObject(form);
  const parsed = signUpSchema.safeParse(values);
  const echo = { email: values.email ?? "", name: values.name ?? "" };
  if (!parsed.success) {
    return json({ errors: fieldErrors(parsed.error), values: echo }, { status: 400 });
  }
  try {
    const user = await createUser(parsed.data);
    const session = await createSession(user.id, request.headers.get("User-Agent"));
    return redirect(safeRedirect(form.get("redirectTo"), "/account"), {
      headers: { "Set-Cookie": sessionCookie(session.token) },
    });
  } catch (error) {
    if (error instanceof EmailTakenError) {
      return json({ errors: { email: [error.message] } as FieldErrors, values: echo }, { status: 400 });
    }
    throw error;
  }
}

export default function SignUp() {
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  return (
    <section className="narrow" aria-labelledby="signup-title">
      <h1 id="signup-title">Create your Mavuno account</h1>
      <p>One account lets you lend, invest and follow every repayment.</p>
      <Form method="post" noValidate>
        <FormError errors={data?.errors[""]} />
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
        <Field name="name" label="Your name" autoComplete="name" defaultValue={data?.values.name} errors={data?.errors.name} required />
        <Field name="email" label="Email" type="email" autoComplete="email" defaultValue={data?.values.email} errors={data?.errors.email} required />
        <Field
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="At least 10 characters."
          errors={data?.errors.password}
          required
        />
        <button type="submit">Sign up</button>
      </Form>
      <p>
        Already have an account? <Link to="/login">Log in</Link>.
      </p>
    </section>
  );
}
