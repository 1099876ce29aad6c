// Large arrays as one PostgreSQL array literal (a single string parameter)
// instead of a JavaScript array. Prisma and the driver walk a JavaScript array
// parameter element by element (serialise, map, escape) before the database
// parses the same literal anyway; for the 10,000-element arrays of a
// repayment to 10,000 lenders that walk cost more than the database's parse
// (docs/decisions/014-repayments.md). Cast the parameter in
// SQL: `$1::text[]`, `$2::bigint[]`.

/** `{1,2,3}`: integers only, so nothing needs quoting. */
export function intArrayLiteral(values: readonly (bigint | number)[]): string {
  for (const value of values) {
    if (typeof value === "number" && !Number.isSafeInteger(value)) throw new TypeError(`Not an integer: ${value}`);
  }
  return `{${values.join(",")}}`;
}

/** `{"a","b"}`: every element quoted, backslashes and quotes escaped, so any text round-trips. */
export function textArrayLiteral(values: readonly string[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (typeof value !== "string") throw new TypeError("textArrayLiteral: every element must be a string");
    if (i > 0) out += ",";
    out += /["\\]/.test(value) ? `"${value.replace(/["\\]/g, "\\$&")}"` : `"${value}"`;
  }
  return `${out}}`;
}
