// Pure rules of the public impact page and of a loan's reach, shared by the
// server (app/models/impact-public.server.ts) and the pages.
import { percentFromBps } from "./loan-labels.ts";

/** Below this many clients an aggregate is not shown to anyone without client-level rights. */
export const MIN_CLIENTS = 5;
export const SUPPRESSED = "fewer than 5 clients: not shown";

export const CLIENT_AREAS = ["rural", "urban", "unknown"] as const;
export type ClientAreaValue = (typeof CLIENT_AREAS)[number];
export const AREA_LABELS: Record<ClientAreaValue, string> = { rural: "Rural", urban: "Urban", unknown: "Not recorded" };

/**
 * Which of a parent's children to hide. A child under MIN_CLIENTS is hidden;
 * and since the parent is shown, parent minus the shown children is the sum of
 * the hidden ones: when that sum is itself under MIN_CLIENTS (one country of 3
 * hidden beside a shown platform total), the smallest shown children are hidden
 * too until the hidden ones together hold at least MIN_CLIENTS, or all are hidden.
 */
export function suppressedChildren<K>(children: readonly { key: K; clients: number }[]): Set<K> {
  const hidden = new Set<K>();
  let hiddenClients = 0;
  for (const child of children) {
    if (child.clients > 0 && child.clients < MIN_CLIENTS) {
      hidden.add(child.key);
      hiddenClients += child.clients;
    }
  }
  if (hidden.size === 0) return hidden;
  const shown = children.filter((c) => !hidden.has(c.key) && c.clients > 0).sort((a, b) => a.clients - b.clients);
  for (const child of shown) {
    if (hiddenClients >= MIN_CLIENTS) break;
    hidden.add(child.key);
    hiddenClients += child.clients;
  }
  return hidden;
}

/** sum ÷ count, rounded half up (a mean likelihood in basis points, a mean amount in cents); null for none. */
export function roundedMean(sumBps: number | bigint, clients: number): number | null {
  if (clients <= 0) return null;
  const sum = BigInt(sumBps);
  return Number((sum * 2n + BigInt(clients)) / (2n * BigInt(clients)));
}

/** A share in basis points (part of whole), rounded half up; null for an empty whole. */
export function shareBps(part: number, whole: number): number | null {
  return whole > 0 ? roundedMean(BigInt(part) * 10_000n, whole) : null;
}

export function formatShare(bps: number | null): string {
  return bps === null ? SUPPRESSED : percentFromBps(bps);
}

/** "2026 Q3" for the first day of a quarter (YYYY-MM-DD). */
export function quarterLabel(firstDay: string): string {
  const [year, month] = firstDay.split("-").map(Number);
  return `${year} Q${Math.floor(((month ?? 1) - 1) / 3) + 1}`;
}

export type ReachFacts = {
  status: string;
  kind: "individual" | "group";
  expectedReach: number | null;
  realisedReach: number | null;
  amountUsdCents: number;
  principalRepaidUsdCents: string | number | bigint;
};

const people = (n: number, kind: ReachFacts["kind"]) =>
  kind === "group" ? `${n.toLocaleString("en-US")} member${n === 1 ? "" : "s"}` : `${n.toLocaleString("en-US")} client${n === 1 ? "" : "s"}`;

/**
 * What a loan was expected to reach when it was funded and, once it ended,
 * what it did reach: null before funding (nothing is promised yet).
 */
export function reachSentence(loan: ReachFacts): string | null {
  if (loan.expectedReach === null) return null;
  const expected = `Expected to reach ${people(loan.expectedReach, loan.kind)} when it was funded.`;
  const reached = loan.realisedReach ?? loan.expectedReach;
  const repaidBps = loan.amountUsdCents > 0 ? shareBps(Number(BigInt(loan.principalRepaidUsdCents)), loan.amountUsdCents) : null;
  const repaid = percentFromBps(Math.min(10_000, repaidBps ?? 0));
  switch (loan.status) {
    case "repaid":
      return `${expected} Repaid: reached ${people(reached, loan.kind)}.`;
    case "defaulted":
      return `${expected} Defaulted: ${people(reached, loan.kind)}, ${repaid} repaid.`;
    case "written_off":
      return `${expected} Written off: ${people(reached, loan.kind)}, ${repaid} repaid.`;
    default:
      return expected;
  }
}
