import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { FormError } from "~/components/forms.tsx";
import { fieldErrors, formToObject } from "~/lib/forms.ts";
import { codeFormSchema, getStatementSession, signInWithCode } from "~/models/client-access.server.ts";

export const meta: MetaFunction = () => [
  { title: "Your statement — Mavuno" },
  { name: "robots", content: "noindex" },
];

// Whoever is asking, nothing here may be kept by a shared phone's browser or a proxy.
const PRIVATE = { "Cache-Control": "private, no-store" };

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getStatementSession(request)) throw redirect("/statement/me", { headers: PRIVATE });
  return json(null, { headers: PRIVATE });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const values = formToObject(await request.formData());
  const parsed = codeFormSchema.safeParse(values);
  if (!parsed.success) return json({ errors: fieldErrors(parsed.error) }, { status: 400, headers: PRIVATE });
  const result = await signInWithCode(parsed.data.code, context.clientIp);
  if (!result.ok) {
    const message =
      result.reason === "throttled"
        ? `Too many codes that did not work were tried from here. Try again in ${result.retryAfterMinutes} minute${result.retryAfterMinutes === 1 ? "" : "s"}.`
        : "That code does not work. Check it for typing mistakes. A code stops working when a new one is given to you, when it is withdrawn, or after 6 months: ask your field officer for a new one.";
    return json({ errors: { code: [message] } as Record<string, string[]> }, { status: result.reason === "throttled" ? 429 : 400, headers: PRIVATE });
  }
  return redirect("/statement/me", { headers: { ...PRIVATE, "Set-Cookie": result.cookie } });
}

export default function StatementSignIn() {
  const data = useActionData<typeof action>();
  const errors = data?.errors.code;
  const [params] = useSearchParams();
  return (
    <section className="narrow" aria-labelledby="statement-title">
      <h1 id="statement-title">See your loan statement</h1>
      <p>
        Your field officer can give you a personal code. With it you can see your loans, what you have repaid, what is
        left to pay, and what you have agreed Mavuno may show about you.
      </p>
      {params.get("ended") && !data ? (
        <p className="notice" role="status">Your statement closed. Enter your code again to see it.</p>
      ) : null}
      <Form method="post" noValidate>
        <FormError errors={data?.errors[""]} />
        <div className="field">
          <label htmlFor="field-code">Your code</label>
          <p className="hint" id="field-code-hint">
            10 letters and numbers, like ABCD-EFGH-JK. Small letters and dashes are fine.
          </p>
          <input
            id="field-code"
            name="code"
            type="text"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            required
            aria-invalid={errors?.length ? true : undefined}
            aria-describedby={["field-code-hint", errors?.length ? "field-code-error" : null].filter(Boolean).join(" ")}
          />
          {errors?.length ? (
            <p className="field-error" id="field-code-error">
              {errors.join(" ")}
            </p>
          ) : null}
        </div>
        <button type="submit">Show my statement</button>
      </Form>
      <p className="muted">
        Keep your code private, like a PIN. On a shared phone, press “Sign out” when you finish; the statement also
        closes by itself after 30 minutes.
      </p>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
