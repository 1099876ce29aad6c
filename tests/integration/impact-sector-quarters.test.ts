// Loans by sector are totals over the quarter range the reader chooses, so two
// ranges one quarter apart (or a total against the quarterly trend) give any
// single quarter's part. A cell is shown only when every quarter's part of it
// could be shown too, complementary suppression among that quarter's sectors
// included. Counts worked out by hand.
import { beforeAll, describe, expect, it } from "vitest";
import type { PortalFilters } from "~/lib/impact.ts";
import { ADMIN_PORTAL_VIEWER, impactView, PUBLIC_PORTAL_VIEWER, type PortalViewer } from "~/models/impact.server.ts";
import { rebuildSocialRollups } from "~/models/impact-social.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { fundedLoan, makePartner, makePeople } from "./impact-portal-helpers.ts";

const BASE: PortalFilters = { from: "2026-Q2", to: "2026-Q3", scorecard: null, line: null, gender: null, area: null, sector: null };
const audit = { auditPath: "/impact/portal?sector-quarters-test" };

beforeAll(async () => {
  const db = await getDb();
  const partner = await makePartner(db, { country: "BW", regions: ["Gaborone"], name: "Quarters Partner" });
  // Agriculture: 6 loans in Q2, 2 in Q3 (8 over both). Retail: 5 in each quarter. Trade: 5 in Q3.
  // The node's loans per quarter (the trend): 11 in Q2, 12 in Q3.
  const plan: [count: number, sector: string, fundedOn: string][] = [
    [6, "Agriculture", "2026-05-10"],
    [2, "Agriculture", "2026-08-01"],
    [5, "Retail", "2026-05-10"],
    [5, "Retail", "2026-08-01"],
    [5, "Trade", "2026-08-01"],
  ];
  for (const [count, sector, fundedOn] of plan) {
    for (const c of await makePeople(db, partner.id, "Gaborone", Array.from({ length: count }, () => ({ sector })))) {
      await fundedLoan(db, { partnerId: partner.id, clientId: c.id, fundedOn, sector });
    }
  }
  await rebuildSocialRollups();
});

async function table(viewer: PortalViewer, range: Partial<PortalFilters>) {
  const view = await impactView(viewer, { country: "BW" }, { ...BASE, ...range }, audit);
  return Object.fromEntries(view.sectors.map((s) => [s.sector, s.shown ? s.loans : "withheld"]));
}

describe("loans by sector over a range of quarters", () => {
  it("withholds a sector whose last quarter alone is 2 loans, though its total over the range is 8", async () => {
    // Shown, 8 minus the 6 of Q2 alone would give Q3's 2. Retail goes with it: Q3 withholds its 5 beside the 2 farm
    // loans (smallest first, Retail before Trade by name), and shown over the range, its 10 less Q2's 5 would be Q3's
    // 5, and Q3's 12 loans (the trend) less Retail's 5 and Trade's 5 the 2 farm loans again.
    expect(await table(PUBLIC_PORTAL_VIEWER, {})).toEqual({ Agriculture: "withheld", Retail: "withheld", Trade: 5 });
    expect(await table(PUBLIC_PORTAL_VIEWER, { from: "2026-Q2", to: "2026-Q2" })).toEqual({ Agriculture: 6, Retail: 5 });
    // Q3 alone: the 2 farm loans withheld, and one more cell with them (the quarter's 12 less the rest would give them).
    const q3 = await table(PUBLIC_PORTAL_VIEWER, { from: "2026-Q3", to: "2026-Q3" });
    expect(q3.Agriculture).toBe("withheld");
    expect(Object.values(q3).filter((v) => v === "withheld")).toHaveLength(2);
  });

  it("an admin, who may see every client, sees every cell", async () => {
    expect(await table(ADMIN_PORTAL_VIEWER, {})).toEqual({ Agriculture: 8, Retail: 10, Trade: 5 });
  });
});
