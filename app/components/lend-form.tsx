import { Form, useSearchParams } from "@remix-run/react";

/** "Lend" on a loan page: reserves shares in the basket. Works without JavaScript. */
export function LendForm({ loanId, sharesLeft }: { loanId: string; sharesLeft: number }) {
  const [params] = useSearchParams();
  const error = params.get("basketError");
  if (sharesLeft <= 0) return <p className="notice">Every share of this loan is taken or reserved right now.</p>;
  const options = Array.from({ length: Math.min(sharesLeft, 40) }, (_, i) => i + 1);
  return (
    <Form method="post" action="/basket" className="lend-form" aria-label="Lend to this loan">
      <input type="hidden" name="intent" value="add" />
      <input type="hidden" name="loanId" value={loanId} />
      <div className="field">
        <label htmlFor="lend-shares">Shares of $25</label>
        <select id="lend-shares" name="shares" defaultValue="1" aria-invalid={error ? true : undefined} aria-describedby={error ? "lend-error" : undefined}>
          {options.map((n) => (
            <option key={n} value={n}>
              {n} × $25 = ${n * 25}
            </option>
          ))}
        </select>
        {error ? <p className="field-error" id="lend-error" role="alert">{error}</p> : null}
      </div>
      <button type="submit">Lend — add to basket</button>
    </Form>
  );
}
