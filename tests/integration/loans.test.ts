import { describe, expect, it } from "vitest";
import { loader as listLoader } from "~/routes/loans._index.tsx";
import { loader as loanLoader } from "~/routes/loans.$loanId.tsx";
import { getDb } from "~/utils/db.server.ts";
import { createSession } from "~/utils/session.server.ts";
import { grantConsent, makeClient, makeGroup, makeLoan, makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { getRequest, run } from "../support/requests.ts";

type LoanJson = { loan: { borrower: { title: string; story: string | null; place: string } } };

async function loanPage(id: string, cookie?: string) {
  const res = await run(loanLoader, getRequest(`/loans/${id}`, cookie), { loanId: id });
  return { status: res.status, text: await res.text() };
}

describe("loan pages and consent", () => {
  it("shows name, story and place only as far as each live consent allows, and revocation hides them on the next request", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { name: "Canary Finance", country: "UG" });
    const client = await makeClient(db, {
      partnerId: partner.id,
      fullName: "Zawadi Canarybird",
      region: "Eastern",
      village: "Canaryville",
      story: "Zawadi sells canary seed.",
    });
    const loan = await makeLoan(db, { partnerId: partner.id, clientId: client.id, localCurrency: "UGX", fxRate: "3700" });

    let page = await loanPage(loan.id);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain("Canarybird");
    expect(page.text).not.toContain("canary seed");
    expect(page.text).not.toContain("Canaryville");
    expect((JSON.parse(page.text) as LoanJson).loan.borrower.title).toBe("A client of Canary Finance in Uganda");

    const story = await grantConsent(db, { clientId: client.id, purpose: "story" });
    page = await loanPage(loan.id);
    expect(page.text).toContain("canary seed");
    expect(page.text).not.toContain("Canarybird"); // the name needs its own consent

    await grantConsent(db, { clientId: client.id, purpose: "name" });
    await grantConsent(db, { clientId: client.id, purpose: "location", granularity: "village" });
    page = await loanPage(loan.id);
    expect(page.text).toContain("Zawadi Canarybird");
    expect((JSON.parse(page.text) as LoanJson).loan.borrower.place).toBe("Canaryville, Eastern, Uganda");

    await db.consent.update({ where: { id: story.id }, data: { revokedAt: new Date() } });
    page = await loanPage(loan.id);
    expect(page.text).not.toContain("canary seed");
    expect(page.text).not.toContain("Canarybird");
  });

  it("shows a group's name and story only when every member consented to their story", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { name: "Group Partner" });
    const a = await makeClient(db, { partnerId: partner.id });
    const b = await makeClient(db, { partnerId: partner.id });
    const group = await makeGroup(db, { partnerId: partner.id, name: "Mshikamano Canary Group", story: "We save weekly.", memberIds: [a.id, b.id] });
    const loan = await makeLoan(db, { partnerId: partner.id, groupId: group.id });
    await grantConsent(db, { clientId: a.id, purpose: "story" });
    expect((await loanPage(loan.id)).text).not.toContain("Mshikamano");
    await grantConsent(db, { clientId: b.id, purpose: "story" });
    expect((await loanPage(loan.id)).text).toContain("Mshikamano Canary Group");
  });

  it("hides drafts from the public but shows them to the partner's own staff", async () => {
    const db = await getDb();
    const partner = await makePartner(db);
    const client = await makeClient(db, { partnerId: partner.id });
    const draft = await makeLoan(db, { partnerId: partner.id, clientId: client.id, status: "draft" });
    expect((await loanPage(draft.id)).status).toBe(404);
    const officer = await makeUser(db);
    await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
    const { token } = await createSession(officer.id, null);
    expect((await loanPage(draft.id, `mavuno_session=${token}`)).status).toBe(200);
    expect((await loanPage("no-such-loan")).status).toBe(404);
  });

  it("lists fundraising loans with filters and stable pages that never overlap", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { country: "PH" });
    const client = await makeClient(db, { partnerId: partner.id });
    const deadline = new Date(Date.now() + 5 * 86_400_000);
    for (let i = 0; i < 15; i++) {
      // Identical deadlines: only the tie-break keeps the pages apart.
      await makeLoan(db, { partnerId: partner.id, clientId: client.id, sector: "Fishing", fundraisingDeadline: deadline });
    }
    type ListJson = { total: number; loans: { id: string }[] };
    const page1 = (await (await run(listLoader, getRequest("/loans?country=ph&sector=Fishing"))).json()) as ListJson;
    const page2 = (await (await run(listLoader, getRequest("/loans?country=PH&sector=Fishing&page=2"))).json()) as ListJson;
    expect(page1.total).toBe(15);
    expect(page1.loans).toHaveLength(12);
    expect(page2.loans).toHaveLength(3);
    const ids = new Set([...page1.loans, ...page2.loans].map((l) => l.id));
    expect(ids.size).toBe(15);
    const bad = (await (await run(listLoader, getRequest("/loans?page=-4&status=nonsense&country=Narnia"))).json()) as ListJson;
    expect(bad.total).toBeGreaterThanOrEqual(15);
  });
});
