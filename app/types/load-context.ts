// What the HTTP server (scripts/serve.js) hands every loader and action.
declare module "@remix-run/node" {
  interface AppLoadContext {
    /** Per-request nonce for the Content-Security-Policy's inline scripts. */
    cspNonce: string;
    /** The client's address, for log-in throttling. */
    clientIp: string;
  }
}
export {};
