import type { PartnerRole, PartnerStatus } from "~/generated/prisma/enums.ts";

// Shared with the browser bundle, so it lives here rather than in a .server module.
export const PARTNER_ROLES = ["admin", "officer", "coordinator"] as const satisfies readonly PartnerRole[];

export const ROLE_LABELS: Record<PartnerRole, string> = {
  admin: "Admin",
  officer: "Loan officer",
  coordinator: "Coordinator",
};

export const ROLE_HINTS: Record<PartnerRole, string> = {
  admin: "manages staff and everything below",
  officer: "enrols clients, requests loans, records repayments",
  coordinator: "follows the health of the partner's groups",
};

/** What an applicant and a reviewer call each status of a partner. */
export const APPLICATION_STATUS_LABELS: Record<PartnerStatus, string> = {
  applied: "Waiting for review",
  active: "Approved",
  rejected: "Not approved",
  suspended: "Suspended",
};
