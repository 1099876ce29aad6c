import type { ConsentPurpose } from "~/generated/prisma/enums.ts";

export const CONSENT_PURPOSES = [
  "story",
  "photo",
  "name",
  "location",
  "ppi",
  "investor_drilldown",
  "peer_sites",
] as const satisfies readonly ConsentPurpose[];

/** What each consent purpose lets Mavuno do, in the words staff read to the client. */
export const PURPOSE_LABELS: Record<string, string> = {
  story: "Show their story to lenders",
  photo: "Show their photo",
  name: "Show their name",
  location: "Show where they live",
  ppi: "Use their poverty survey answers in aggregate figures",
  investor_drilldown: "Let their funders see their individual record",
  peer_sites: "Share with peer-lending sites through the API",
};
