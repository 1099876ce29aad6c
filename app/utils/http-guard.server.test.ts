import { describe, expect, it } from "vitest";
import { crossOriginReason, securityHeaders } from "./http-guard.server.ts";

const site = "https://mavuno.example";

describe("cross-origin guard", () => {
  it("lets reads through from anywhere", () => {
    expect(crossOriginReason({ method: "GET", origin: "https://evil.example", secFetchSite: "cross-site", expectedOrigin: site })).toBeNull();
  });

  it("refuses a POST from another site, by Sec-Fetch-Site or by Origin", () => {
    expect(crossOriginReason({ method: "POST", origin: null, secFetchSite: "cross-site", expectedOrigin: site })).toMatch(/cross-site/);
    expect(crossOriginReason({ method: "POST", origin: null, secFetchSite: "same-site", expectedOrigin: site })).toMatch(/same-site/);
    expect(crossOriginReason({ method: "DELETE", origin: "https://evil.example", secFetchSite: null, expectedOrigin: site })).toMatch(/evil\.example/);
    expect(crossOriginReason({ method: "POST", origin: "null", secFetchSite: null, expectedOrigin: site })).toMatch(/opaque/);
  });

  it("lets same-origin posts and non-browser clients through", () => {
    expect(crossOriginReason({ method: "POST", origin: site, secFetchSite: "same-origin", expectedOrigin: site })).toBeNull();
    expect(crossOriginReason({ method: "POST", origin: undefined, secFetchSite: undefined, expectedOrigin: site })).toBeNull();
  });
});

describe("security headers", () => {
  it("sends a nonce-based CSP that forbids framing, plus nosniff and a referrer policy", () => {
    const headers = securityHeaders("abc123", { development: false, secure: true });
    expect(headers["Content-Security-Policy"]).toContain("script-src 'self' 'nonce-abc123'");
    expect(headers["Content-Security-Policy"]).toContain("frame-ancestors 'none'");
    expect(headers["Content-Security-Policy"]).not.toContain("unsafe-inline");
    expect(headers["X-Content-Type-Options"]).toBe("nosniff");
    expect(headers["Referrer-Policy"]).toBe("strict-origin-when-cross-origin");
    expect(headers["Strict-Transport-Security"]).toBeDefined();
    expect(securityHeaders("n", { development: false, secure: false })["Strict-Transport-Security"]).toBeUndefined();
  });

  it("lets forms redirect only to the site itself and the card processor's payment page", () => {
    expect(securityHeaders("n", { development: false, secure: false })["Content-Security-Policy"]).toContain("form-action 'self';");
    const withStripe = securityHeaders("n", { development: false, secure: false, checkoutOrigins: ["https://checkout.stripe.com"] });
    expect(withStripe["Content-Security-Policy"]).toContain("form-action 'self' https://checkout.stripe.com;");
  });
});
