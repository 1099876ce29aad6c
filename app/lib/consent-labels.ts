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

/**
 * What each consent purpose changes on public pages, one sentence each, for
 * the client's page: what is shown with it, and what without.
 */
export const CONSENT_EFFECTS: Record<ConsentPurpose, string> = {
  story: "With it, lenders read the client's story on the loan page and the impact page; without it, no story is shown at all, whatever else is granted.",
  name: "With it (and the story consent), the loan is titled with the client's name and their names appear in the story; without it, the title is anonymous and every name in a story, a loan's purpose or an offering reads \"the borrower\".",
  photo: "With it, the client's photo is shown beside the loan; without it, no photo is shown anywhere outside your organisation.",
  location: "With it, the place is shown as precisely as agreed (country, region or village), in the loan's details and in its story; without it, only the country is shown and the village and region in any text are replaced.",
  ppi: "With it, the client's poverty survey counts in the aggregate figures; without it, their surveys count nowhere.",
  investor_drilldown: "With it, the lenders who funded the client may see their individual record in the impact portal; without it, funders see only aggregates of at least five clients.",
  peer_sites: "With it, the client's consented story may be shared with peer-lending sites through the API; without it, nothing about them leaves Mavuno.",
};
