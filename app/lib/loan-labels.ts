import type { LoanStatus } from "~/generated/prisma/enums.ts";

// Shared with the browser bundle, so it lives here rather than in a .server module.
/** Statuses a visitor may see. Drafts, requests under review and cancelled requests stay private. */
export const PUBLIC_STATUSES = [
  "fundraising",
  "funded",
  "paying_back",
  "repaid",
  "defaulted",
  "written_off",
  "expired",
] as const satisfies readonly LoanStatus[];

export const STATUS_LABELS: Record<string, string> = {
  draft: "Draft",
  submitted: "In review",
  fundraising: "Fundraising",
  funded: "Funded",
  paying_back: "Paying back",
  repaid: "Repaid",
  defaulted: "Defaulted",
  written_off: "Written off",
  expired: "Expired",
  cancelled: "Cancelled",
};

export const FREQUENCY_LABELS: Record<string, string> = {
  weekly: "weekly",
  fortnightly: "every two weeks",
  monthly: "monthly",
};

export const METHOD_LABELS: Record<string, string> = {
  flat: "flat",
  declining_balance: "declining balance",
};

export function percentFromBps(bps: number): string {
  return `${(bps / 100).toLocaleString("en-US", { maximumFractionDigits: 2 })}%`;
}

export function daysLeft(deadlineIso: string | null, now = Date.now()): number | null {
  if (!deadlineIso) return null;
  return Math.max(0, Math.ceil((new Date(deadlineIso).getTime() - now) / 86_400_000));
}

/** One share of a loan, in US cents. */
export const SHARE_USD_CENTS = 2500;

/** Statuses in which a loan raised its whole amount. */
export const FULLY_FUNDED_STATUSES: readonly string[] = ["funded", "paying_back", "repaid", "defaulted", "written_off"];

export const SORTS = ["ending", "left", "newest", "lenders"] as const;
export type LoanSort = (typeof SORTS)[number];

export const SORT_LABELS: Record<LoanSort, string> = {
  ending: "Ending soon",
  left: "Amount left (least first)",
  newest: "Newest",
  lenders: "Most lenders",
};

export function yearsOnMavuno(years: number | null): string {
  if (years === null) return "not yet approved";
  if (years < 1) return "less than a year";
  const whole = Math.floor(years);
  return `${whole} year${whole === 1 ? "" : "s"}`;
}
