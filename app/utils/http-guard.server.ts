// Checks and headers every HTTP response gets. The server (scripts/serve.js)
// applies them to every request, pages, data requests and static files alike.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export type OriginCheckInput = {
  method: string;
  origin: string | null | undefined;
  secFetchSite: string | null | undefined;
  /** The site's own origin, e.g. https://mavuno.example */
  expectedOrigin: string;
};

/**
 * Why a request that changes state must be refused as cross-site, or null to
 * let it through. Browsers send Sec-Fetch-Site and Origin on every POST; a
 * request with neither comes from a non-browser client, which carries no
 * ambient cookies of a victim.
 */
export function crossOriginReason({ method, origin, secFetchSite, expectedOrigin }: OriginCheckInput): string | null {
  if (SAFE_METHODS.has(method.toUpperCase())) return null;
  if (secFetchSite && secFetchSite !== "same-origin" && secFetchSite !== "none") {
    return `Refused: a ${secFetchSite} request cannot change anything here.`;
  }
  if (origin && origin !== "null" && origin !== expectedOrigin) {
    return `Refused: requests from ${origin} cannot change anything here.`;
  }
  if (origin === "null") return "Refused: requests from an opaque origin cannot change anything here.";
  return null;
}

export function securityHeaders(
  nonce: string,
  options: { development: boolean; secure: boolean; checkoutOrigins?: readonly string[] },
): Record<string, string> {
  const connect = options.development ? "'self' ws://localhost:* ws://127.0.0.1:*" : "'self'";
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect}`,
    // A form may redirect to the card processor's payment page (browsers check form-action on redirects too).
    ["form-action 'self'", ...(options.checkoutOrigins ?? [])].join(" "),
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
  ].join("; ");
  const headers: Record<string, string> = {
    "Content-Security-Policy": csp,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  };
  if (options.secure) headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains";
  return headers;
}
