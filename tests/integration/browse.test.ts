// Browsing loans: every filter and sort of /loans, search that never reads what
// consent hides, stable pages, URLs that do not parse, and the loan page's
// funding figures and schedule.
import { beforeAll, describe, expect, it } from "vitest";
import { loader as listLoader } from "~/routes/loans._index.tsx";
import { loader as loanLoader } from "~/routes/loans.$loanId.tsx";
import { getDb, type Db } from "~/utils/db.server.ts";
import { grantConsent, makeClient, makeGroup, makeLoan, makePartner, makeUser } from "../factories/index.ts";
import { getRequest, run } from "../support/requests.ts";

type ListedLoan = {
  id: string;
  status: string;
  funding: { raisedUsdCents: number; reservedUsdCents: number; leftUsdCents: number; lenderCount: number };
  borrower: { title: string; place: string; story: string | null };
};
type ListJson = {
  total: number;
  pageCount: number;
  query: Record<string, unknown>;
  loans: ListedLoan[];
  options: { countries: { code: string }[]; sectors: string[]; regions: { country: string; regions: string[] }[]; partners: { slug: string }[] };
};

async function list(search: string): Promise<ListJson> {
  const res = await run(listLoader, getRequest(`/loans${search}`));
  expect(res.status, search).toBe(200);
  return (await res.json()) as ListJson;
}

const ids = async (search: string) => (await list(search)).loans.map((l) => l.id).sort();

const DAY = 86_400_000;
const now = Date.now();
const inDays = (days: number) => new Date(now + days * DAY);

// Fixed ids, so a test can name the loans it expects.
let L: Record<string, string> = {};

async function world(db: Db) {
  const amani = await makePartner(db, {
    slug: "amani-browse",
    name: "Amani Browse Finance",
    country: "KE",
    regions: ["Kisumu", "Nakuru"],
    joinedAt: new Date(now - 4 * 365 * DAY),
  });
  const bayan = await makePartner(db, {
    slug: "bayan-browse",
    name: "Bayan Browse Cooperative",
    country: "PH",
    regions: ["Western Visayas"],
    currency: "PHP",
    joinedAt: new Date(now - 100 * DAY),
  });
  const suspended = await makePartner(db, { slug: "gone-browse", name: "Gone Browse Credit", country: "KE", status: "suspended" });

  // No consent at all: name, story, village and region must never be searchable or filterable.
  const secret = await makeClient(db, {
    partnerId: amani.id,
    fullName: "Zawadi Hiddenname",
    gender: "female",
    region: "Kisumu",
    village: "Secretvillage",
    story: "Zawadi sells hiddenstory baskets.",
  });
  // Region shown: a live location consent at region granularity.
  const shown = await makeClient(db, { partnerId: amani.id, fullName: "Baraka Shown", gender: "male", region: "Kisumu", village: "Kondele" });
  await grantConsent(db, { clientId: shown.id, purpose: "location", granularity: "region" });
  // Location consent only to the country: the region stays hidden.
  const countryOnly = await makeClient(db, { partnerId: amani.id, fullName: "Neema Countryonly", gender: "female", region: "Nakuru", village: "Njoro" });
  await grantConsent(db, { clientId: countryOnly.id, purpose: "location", granularity: "country" });
  const other = await makeClient(db, { partnerId: bayan.id, fullName: "Alex Other", gender: "other", region: "Western Visayas", village: "Jaro" });

  // A group whose members all show their region, and one where a member does not.
  const m1 = await makeClient(db, { partnerId: amani.id, region: "Kisumu" });
  const m2 = await makeClient(db, { partnerId: amani.id, region: "Kisumu" });
  await grantConsent(db, { clientId: m1.id, purpose: "location", granularity: "village" });
  await grantConsent(db, { clientId: m2.id, purpose: "location", granularity: "region" });
  const open = await makeGroup(db, { partnerId: amani.id, name: "Open Group", region: "Kisumu", memberIds: [m1.id, m2.id] });
  const m3 = await makeClient(db, { partnerId: amani.id, region: "Kisumu" });
  const m4 = await makeClient(db, { partnerId: amani.id, region: "Kisumu" });
  await grantConsent(db, { clientId: m3.id, purpose: "location", granularity: "region" });
  const closed = await makeGroup(db, { partnerId: amani.id, name: "Closed Group", region: "Kisumu", memberIds: [m3.id, m4.id] });
  const gone = await makeClient(db, { partnerId: suspended.id, region: "Kisumu" });

  const loan = async (key: string, input: Parameters<typeof makeLoan>[1] & { sharesSold?: number; lenderCount?: number }) => {
    const { sharesSold, lenderCount, ...rest } = input;
    const made = await makeLoan(db, { id: `browse-${key}`, ...rest });
    if (sharesSold !== undefined || lenderCount !== undefined) {
      await db.loan.update({ where: { id: made.id }, data: { sharesSold: sharesSold ?? 0, lenderCount: lenderCount ?? 0 } });
    }
    L[key] = made.id;
  };
  await loan("secret", {
    partnerId: amani.id,
    clientId: secret.id,
    purpose: "To buy two dairy goats",
    sector: "Agriculture",
    amountUsdCents: 100_000,
    sharesSold: 10,
    lenderCount: 7,
    termMonths: 6,
    fundraisingDeadline: inDays(2),
    listedAt: new Date(now - 20 * DAY),
  });
  await loan("shown", {
    partnerId: amani.id,
    clientId: shown.id,
    purpose: "To add a refrigerator to the shop",
    sector: "Retail",
    amountUsdCents: 50_000,
    sharesSold: 19,
    lenderCount: 12,
    termMonths: 12,
    fundraisingDeadline: inDays(10),
    listedAt: new Date(now - 2 * DAY),
  });
  await loan("countryOnly", {
    partnerId: amani.id,
    clientId: countryOnly.id,
    purpose: "To buy flour in bulk",
    sector: "Food",
    amountUsdCents: 20_000,
    termMonths: 18,
    fundraisingDeadline: inDays(20),
    listedAt: new Date(now - 10 * DAY),
  });
  await loan("openGroup", {
    partnerId: amani.id,
    groupId: open.id,
    purpose: "To buy seed in bulk",
    sector: "Agriculture",
    amountUsdCents: 300_000,
    sharesSold: 4,
    lenderCount: 3,
    termMonths: 12,
    fundraisingDeadline: inDays(5),
    listedAt: new Date(now - 5 * DAY),
  });
  await loan("closedGroup", {
    partnerId: amani.id,
    groupId: closed.id,
    purpose: "To buy seed in bulk",
    sector: "Agriculture",
    amountUsdCents: 150_000,
    termMonths: 24,
    fundraisingDeadline: inDays(25),
    listedAt: new Date(now - 1 * DAY),
  });
  await loan("other", {
    partnerId: bayan.id,
    clientId: other.id,
    purpose: "To repair the fishing boat",
    sector: "Fishing",
    amountUsdCents: 40_000,
    sharesSold: 2,
    lenderCount: 2,
    termMonths: 8,
    localCurrency: "PHP",
    fxRate: "58.2",
    fundraisingDeadline: inDays(15),
    listedAt: new Date(now - 3 * DAY),
  });
  await loan("repaid", {
    partnerId: amani.id,
    clientId: shown.id,
    status: "repaid",
    sector: "Retail",
    fundraisingDeadline: new Date(now - 300 * DAY),
    listedAt: new Date(now - 330 * DAY),
  });
  await loan("draft", { partnerId: amani.id, clientId: shown.id, status: "draft", sector: "Retail" });
  await loan("suspended", { partnerId: suspended.id, clientId: gone.id, sector: "Retail", purpose: "To buy goats" });
  return { amani, bayan, secret, shown };
}

let setup: Awaited<ReturnType<typeof world>>;
const FUNDRAISING = () => [L.secret, L.shown, L.countryOnly, L.openGroup, L.closedGroup, L.other].sort();

beforeAll(async () => {
  L = {};
  setup = await world(await getDb());
});

describe("filters", () => {
  it("lists fundraising loans of active partners only, and any public status on request", async () => {
    expect(await ids("")).toEqual(FUNDRAISING());
    expect(await ids("?status=all")).toEqual([...FUNDRAISING(), L.repaid].sort());
    expect(await ids("?status=repaid")).toEqual([L.repaid]);
  });

  it("filters by country, sector, partner, kind and gender", async () => {
    expect(await ids("?country=ph")).toEqual([L.other]);
    expect(await ids("?country=KE")).toEqual([L.secret, L.shown, L.countryOnly, L.openGroup, L.closedGroup].sort());
    expect(await ids("?sector=Agriculture")).toEqual([L.secret, L.openGroup, L.closedGroup].sort());
    expect(await ids("?partner=bayan-browse")).toEqual([L.other]);
    expect(await ids("?kind=group")).toEqual([L.openGroup, L.closedGroup].sort());
    expect(await ids("?kind=individual")).toEqual([L.secret, L.shown, L.countryOnly, L.other].sort());
    expect(await ids("?gender=female")).toEqual([L.secret, L.countryOnly].sort());
    expect(await ids("?gender=male")).toEqual([L.shown]);
    expect(await ids("?gender=other")).toEqual([L.other]);
    // Gender is about individual borrowers: asking for groups of women finds none.
    expect(await ids("?gender=female&kind=group")).toEqual([]);
    expect(await ids("?country=KE&sector=Retail&sort=ending")).toEqual([L.shown]);
  });

  it("filters by region only where the borrower, or every member of a group, agreed to show it", async () => {
    expect(await ids("?region=Kisumu")).toEqual([L.shown, L.openGroup].sort());
    expect(await ids("?region=Nakuru")).toEqual([]);
    // Revoking takes effect on the next request.
    const db = await getDb();
    await db.consent.updateMany({ where: { clientId: setup.shown.id, purpose: "location" }, data: { revokedAt: new Date() } });
    expect(await ids("?region=Kisumu")).toEqual([L.openGroup]);
    await grantConsent(db, { clientId: setup.shown.id, purpose: "location", granularity: "village" });
    expect(await ids("?region=Kisumu")).toEqual([L.shown, L.openGroup].sort());
  });

  it("filters by the partner's track record: years on Mavuno and loans posted", async () => {
    expect(await ids("?years=1")).toEqual([L.secret, L.shown, L.countryOnly, L.openGroup, L.closedGroup].sort());
    expect(await ids("?years=5")).toEqual([]);
    // Amani has posted 6 public loans (drafts do not count), Bayan 1.
    expect(await ids("?posted=6")).toEqual([L.secret, L.shown, L.countryOnly, L.openGroup, L.closedGroup].sort());
    expect(await ids("?posted=7")).toEqual([]);
    expect(await ids("?posted=1&country=PH")).toEqual([L.other]);
  });

  it("filters by term, amount left and how soon fundraising ends", async () => {
    expect(await ids("?term=8")).toEqual([L.secret, L.other].sort());
    // Left: secret $750, shown $25, countryOnly $200, openGroup $2,900, closedGroup $1,500, other $350.
    expect(await ids("?minLeft=1000")).toEqual([L.openGroup, L.closedGroup].sort());
    expect(await ids("?maxLeft=200")).toEqual([L.shown, L.countryOnly].sort());
    expect(await ids("?minLeft=200&maxLeft=750")).toEqual([L.secret, L.countryOnly, L.other].sort());
    // Backwards bounds mean the same range.
    expect(await ids("?minLeft=750&maxLeft=200")).toEqual([L.secret, L.countryOnly, L.other].sort());
    // Amount left belongs to fundraising: a repaid loan never matches.
    expect(await ids("?status=all&maxLeft=100000")).not.toContain(L.repaid);
    expect(await ids("?ends=7")).toEqual([L.secret, L.openGroup].sort());
    expect(await ids("?ends=1")).toEqual([]);
  });

  it("keeps amount left in step with shares sold and status, and shows live reservations on the card", async () => {
    const db = await getDb();
    const row = async () => (await db.loan.findUniqueOrThrow({ where: { id: L.countryOnly! }, select: { amountLeftCents: true } })).amountLeftCents;
    expect(await row()).toBe(20_000);
    await db.loan.update({ where: { id: L.countryOnly! }, data: { sharesSold: 3 } });
    expect(await row()).toBe(12_500);
    const lender = await makeUser(db);
    const other = await makeUser(db);
    await db.basketItem.create({ data: { userId: lender.id, loanId: L.countryOnly!, shares: 2, expiresAt: new Date(Date.now() + 30 * 60_000) } });
    await db.basketItem.create({ data: { userId: other.id, loanId: L.countryOnly!, shares: 1, expiresAt: new Date(Date.now() - 60_000) } });
    const card = (await list("?country=KE")).loans.find((l) => l.id === L.countryOnly)!;
    expect(card.funding).toEqual({ raisedUsdCents: 7_500, reservedUsdCents: 5_000, leftUsdCents: 7_500, lenderCount: 0 });
    // The filter does not count reservations (they expire by the clock): $125 left in the database.
    expect(await ids("?minLeft=125&maxLeft=125")).toEqual([L.countryOnly]);
    await db.basketItem.deleteMany({ where: { loanId: L.countryOnly! } });
    await db.loan.update({ where: { id: L.countryOnly! }, data: { sharesSold: 0 } });
    await db.loan.update({ where: { id: L.repaid! }, data: { sharesSold: 1 } });
    expect((await db.loan.findUniqueOrThrow({ where: { id: L.repaid! } })).amountLeftCents).toBeNull();
  });
});

describe("sorting", () => {
  it("sorts by ending soon, amount left, newest and most lenders", async () => {
    const order = async (sort: string) => (await list(`?sort=${sort}`)).loans.map((l) => l.id);
    expect(await order("ending")).toEqual([L.secret, L.openGroup, L.shown, L.other, L.countryOnly, L.closedGroup]);
    expect(await order("left")).toEqual([L.shown, L.countryOnly, L.other, L.secret, L.closedGroup, L.openGroup]);
    expect(await order("newest")).toEqual([L.closedGroup, L.shown, L.other, L.openGroup, L.countryOnly, L.secret]);
    // Equal counts (no lenders yet) fall back to the id, highest first: browse-countryOnly before browse-closedGroup.
    expect(await order("lenders")).toEqual([L.shown, L.secret, L.openGroup, L.other, L.countryOnly, L.closedGroup]);
  });
});

describe("search", () => {
  it("matches purpose, sector, partner name, country and consented region", async () => {
    expect(await ids("?q=goats")).toEqual([L.secret]);
    expect(await ids("?q=REFRIGERATOR")).toEqual([L.shown]);
    expect(await ids("?q=fishing")).toEqual([L.other]);
    expect(await ids("?q=bayan")).toEqual([L.other]);
    expect(await ids("?q=philippines")).toEqual([L.other]);
    expect(await ids("?q=Kenya")).toEqual([L.secret, L.shown, L.countryOnly, L.openGroup, L.closedGroup].sort());
    // Every word must match something: Kenya and seed.
    expect(await ids("?q=kenya%20seed")).toEqual([L.openGroup, L.closedGroup].sort());
    expect(await ids("?q=kisumu")).toEqual([L.shown, L.openGroup].sort());
  });

  it("never matches a client's name, story or village, nor a region they did not agree to show", async () => {
    for (const q of ["Hiddenname", "Zawadi", "hiddenstory", "baskets", "Secretvillage", "Kondele", "Nakuru", "Countryonly", "Closed Group"]) {
      const found = await list(`?q=${encodeURIComponent(q)}&status=all`);
      expect(found.total, q).toBe(0);
    }
  });

  it("treats LIKE wildcards as plain characters", async () => {
    expect(await ids("?q=%25%25")).toEqual([]);
    expect(await ids("?q=__")).toEqual([]);
    expect(await ids("?q=%5C%5C")).toEqual([]);
  });
});

describe("pages", () => {
  it("pages through ties without overlap or gaps in every sort, and keeps the filters", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { slug: "tie-browse", country: "TZ", name: "Tie Browse Fund" });
    const client = await makeClient(db, { partnerId: partner.id });
    const deadline = inDays(9);
    const listed = new Date(now - 9 * DAY);
    for (let i = 0; i < 30; i++) {
      // Everything the sorts look at is equal: only the id tells them apart.
      await makeLoan(db, { partnerId: partner.id, clientId: client.id, sector: "Tailoring", fundraisingDeadline: deadline, listedAt: listed, amountUsdCents: 10_000 });
    }
    for (const sort of ["ending", "left", "newest", "lenders"]) {
      const seen: string[] = [];
      for (let page = 1; page <= 3; page++) {
        const result = await list(`?country=TZ&sector=Tailoring&sort=${sort}&page=${page}`);
        expect(result.total).toBe(30);
        expect(result.pageCount).toBe(3);
        expect(result.query).toMatchObject({ country: "TZ", sector: "Tailoring", sort, page });
        seen.push(...result.loans.map((l) => l.id));
      }
      expect(seen).toHaveLength(30);
      expect(new Set(seen).size).toBe(30);
      // The same page twice is the same loans in the same order.
      const again = await list(`?country=TZ&sector=Tailoring&sort=${sort}&page=2`);
      expect(again.loans.map((l) => l.id)).toEqual(seen.slice(12, 24));
    }
    // A page past the end shows the last one.
    const past = await list("?country=TZ&sector=Tailoring&page=99");
    expect(past.query.page).toBe(3);
    expect(past.loans).toHaveLength(6);
  });
});

describe("URLs that do not parse", () => {
  it("ignores each bad value and still answers 200", async () => {
    const bad = [
      "?page=abc",
      "?page=-4",
      "?page=1e99",
      "?sort=DROP%20TABLE%20loans",
      "?status=nonsense",
      "?country=Narnia",
      "?country=1",
      "?region=%27%3B%20DROP%20TABLE%20loans%3B%20--",
      "?sector=" + "x".repeat(500),
      "?gender=unknown",
      "?kind=both",
      "?partner=..%2F..%2Fetc",
      "?years=x&posted=-1&term=0&ends=1000",
      "?minLeft=-5&maxLeft=abc",
      "?minLeft=1.5",
      "?q=" + "y".repeat(500),
      "?q=%00",
      "?q=ab%00cd&sector=Retail%00&region=Kisumu%00",
      "?country=KE&country=&country=PH",
      "?page=2&page=x",
      "?%ZZ=1",
    ];
    const all = await list("?status=all");
    for (const search of bad) {
      const result = await list(search);
      expect(result.loans.length, search).toBeGreaterThanOrEqual(0);
    }
    // What the GET form sends with every box left empty is the same as no filter at all.
    const empty = "?q=&country=&sector=&sort=ending&status=fundraising&region=&kind=&gender=&partner=&years=&posted=&term=&minLeft=&maxLeft=&ends=";
    expect(await ids(empty)).toEqual(await ids(""));
    // Ignored, not half-applied: a bad value filters nothing.
    expect((await list("?country=Narnia")).total).toBe((await list("")).total);
    expect((await list("?status=nonsense&sort=nope&page=x")).total).toBe((await list("")).total);
    expect(all.total).toBeGreaterThan(0);
  });

  it("offers the filter choices, and a value from the URL stays selectable", async () => {
    const result = await list("?sector=Weaving&region=Atlantis");
    expect(result.options.countries.map((c) => c.code)).toEqual(expect.arrayContaining(["KE", "PH"]));
    expect(result.options.countries.map((c) => c.code)).not.toContain("XX");
    expect(result.options.sectors).toEqual(expect.arrayContaining(["Agriculture", "Fishing", "Retail", "Weaving"]));
    expect(result.options.partners.map((p) => p.slug)).not.toContain("gone-browse");
    expect(result.options.regions.flatMap((g) => g.regions)).toEqual(expect.arrayContaining(["Kisumu", "Western Visayas", "Atlantis"]));
  });
});

describe("the loan page", () => {
  type PageJson = {
    loan: ListedLoan & { partner: { slug: string } };
    currencyName: string;
    trackRecord: { years: number | null; loansPosted: number };
    schedule: { rows: unknown[]; aprBps: number; estimated: boolean; disbursedOn: string; currency: string } | null;
  };
  const page = async (id: string) => {
    const res = await run(loanLoader, getRequest(`/loans/${id}`), { loanId: id });
    expect(res.status).toBe(200);
    return (await res.json()) as PageJson;
  };

  it("shows raised, left, lenders, the partner's track record and the borrower's schedule", async () => {
    const shown = await page(L.secret!);
    expect(shown.loan.funding).toMatchObject({ raisedUsdCents: 25_000, leftUsdCents: 75_000, lenderCount: 7 });
    expect(shown.loan.partner.slug).toBe("amani-browse");
    expect(shown.trackRecord.loansPosted).toBe(6);
    expect(Math.floor(shown.trackRecord.years!)).toBe(3);
    expect(shown.schedule?.rows).toHaveLength(6);
    expect(shown.schedule?.estimated).toBe(true);
    expect(shown.schedule?.currency).toBe("KES");
    expect(shown.schedule?.aprBps).toBeGreaterThan(2000);
    expect(shown.currencyName).toMatch(/Kenyan shilling/i);
    // Consent-gated as before: no name, story or village.
    expect(shown.loan.borrower.title).toBe("A client of Amani Browse Finance in Kenya");
    expect(JSON.stringify(shown)).not.toMatch(/Hiddenname|hiddenstory|Secretvillage/);
  });

  it("counts a repaid loan as fully raised, with nothing left", async () => {
    const repaid = await page(L.repaid!);
    expect(repaid.loan.funding).toMatchObject({ raisedUsdCents: 50_000, leftUsdCents: 0, reservedUsdCents: 0 });
  });
});
