// The PPI rollups are kept by database triggers (migration 20261123014224_impact,
// docs/decisions/019-impact-rollups.md). These tests drive the tables the way
// the app does — surveys, consents granted and revoked, clients moving, members
// joining and leaving — and after every step compare the rollups with the same
// figures computed here from scratch, by a different route (plain TypeScript).
import { describe, expect, it } from "vitest";
import { getDb } from "~/utils/db.server.ts";
import { grantConsent, makeClient, makeGroup, makeLoan, makePartner } from "../factories/index.ts";

type Db = Awaited<ReturnType<typeof getDb>>;
let counter = 0;
const unique = () => `${Date.now().toString(36)}${(++counter).toString(36)}`;

/** A made-up scorecard: two lines, likelihoods falling with the score. */
async function makeScorecard(db: Db, country: string) {
  const id = `sc-${unique()}`;
  await db.ppiScorecard.create({
    data: {
      id,
      country,
      version: id,
      title: `Test scorecard ${country}`,
      isSample: true,
      povertyLines: ["national", "extreme"],
      questions: [],
      sourceFile: "test",
    },
  });
  const rows = [];
  for (let score = 0; score <= 100; score++) {
    rows.push({ scorecardId: id, povertyLine: "national", score, likelihoodBps: (100 - score) * 97 });
    rows.push({ scorecardId: id, povertyLine: "extreme", score, likelihoodBps: Math.floor(((100 - score) * (100 - score)) / 1.3) });
  }
  await db.ppiLookup.createMany({ data: rows });
  return id;
}

type Key = string;
type Sums = { clients: number; likelihood: number; score: number };

/** The rollups as this test computes them from the raw tables. */
async function expectedRollups(db: Db, partnerIds: string[]): Promise<Map<Key, Sums>> {
  const clients = await db.client.findMany({
    where: { partnerId: { in: partnerIds } },
    select: {
      id: true,
      region: true,
      partner: { select: { id: true, country: true } },
      consents: { where: { purpose: "ppi", revokedAt: null }, select: { id: true } },
      memberships: { where: { leftAt: null }, select: { groupId: true } },
      ppiSurveys: { select: { id: true, scorecardId: true, surveyedOn: true, createdAt: true, score: true } },
    },
  });
  const lookup = new Map<string, number>();
  for (const row of await db.ppiLookup.findMany()) lookup.set(`${row.scorecardId}|${row.povertyLine}|${row.score}`, row.likelihoodBps);
  const lines = new Map<string, string[]>();
  for (const sc of await db.ppiScorecard.findMany()) lines.set(sc.id, sc.povertyLines);

  const out = new Map<Key, Sums>();
  for (const c of clients) {
    if (c.consents.length === 0) continue;
    const latest = new Map<string, (typeof c.ppiSurveys)[number]>();
    for (const s of c.ppiSurveys) {
      const d = s.surveyedOn;
      const quarter = `${d.getUTCFullYear()}-${String(Math.floor(d.getUTCMonth() / 3) * 3 + 1).padStart(2, "0")}-01`;
      const k = `${s.scorecardId}|${quarter}`;
      const held = latest.get(k);
      const later =
        !held ||
        s.surveyedOn.getTime() > held.surveyedOn.getTime() ||
        (s.surveyedOn.getTime() === held.surveyedOn.getTime() &&
          (s.createdAt.getTime() > held.createdAt.getTime() || (s.createdAt.getTime() === held.createdAt.getTime() && s.id > held.id)));
      if (later) latest.set(k, s);
    }
    const country = c.partner.country;
    const nodes = [
      `0|||`,
      `1|${country}||`,
      `2|${country}|${c.region}|`,
      `3|${country}|${c.region}|${c.partner.id}`,
    ].map((n) => `${n}|`);
    for (const g of c.memberships) nodes.push(`4|${country}|${c.region}|${c.partner.id}|${g.groupId}`);
    for (const [k, s] of latest) {
      const [, quarter] = k.split("|");
      for (const line of lines.get(s.scorecardId) ?? []) {
        const likelihood = lookup.get(`${s.scorecardId}|${line}|${s.score}`)!;
        for (const node of nodes) {
          const key = `${node}|${s.scorecardId}|${line}|${quarter}`;
          const sums = out.get(key) ?? { clients: 0, likelihood: 0, score: 0 };
          sums.clients += 1;
          sums.likelihood += likelihood;
          sums.score += s.score;
          out.set(key, sums);
        }
      }
    }
  }
  return out;
}

/** The rollups as stored, for the given scorecards (rows emptied to zero are not nodes). */
async function storedRollups(db: Db, scorecardIds: string[]): Promise<Map<Key, Sums>> {
  const rows = await db.ppiRollup.findMany({ where: { scorecardId: { in: scorecardIds }, clients: { gt: 0 } } });
  const out = new Map<Key, Sums>();
  for (const r of rows) {
    const key = `${r.level}|${r.country}|${r.region}|${r.partnerId}|${r.groupId}|${r.scorecardId}|${r.povertyLine}|${r.quarter.toISOString().slice(0, 10)}`;
    out.set(key, { clients: r.clients, likelihood: Number(r.likelihoodSumBps), score: Number(r.scoreSum) });
  }
  return out;
}

/** Platform-level rows count every client of every partner, so compare only this test's scorecards. */
async function assertRollupsMatch(db: Db, partnerIds: string[], scorecardIds: string[]) {
  const expected = await expectedRollups(db, partnerIds);
  const stored = await storedRollups(db, scorecardIds);
  expect(Object.fromEntries([...stored].sort())).toEqual(Object.fromEntries([...expected].sort()));
}

/** A small deterministic random sequence, so a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function world(db: Db) {
  const ke = await makePartner(db, { country: "KE", status: "active" });
  const ug = await makePartner(db, { country: "UG", status: "active" });
  const scKe = await makeScorecard(db, "KE");
  const scUg = await makeScorecard(db, "UG");
  const clients = [];
  for (let i = 0; i < 6; i++) clients.push(await makeClient(db, { partnerId: ke.id, region: i % 2 ? "Nakuru" : "Kisumu" }));
  for (let i = 0; i < 3; i++) clients.push(await makeClient(db, { partnerId: ug.id, region: "Gulu" }));
  const g1 = await makeGroup(db, { partnerId: ke.id, region: "Kisumu", memberIds: [clients[0]!.id, clients[1]!.id, clients[2]!.id] });
  const g2 = await makeGroup(db, { partnerId: ke.id, region: "Kisumu", memberIds: [clients[2]!.id, clients[3]!.id] });
  const g3 = await makeGroup(db, { partnerId: ug.id, region: "Gulu", memberIds: [clients[6]!.id, clients[7]!.id] });
  return { ke, ug, scKe, scUg, clients, groups: [g1, g2, g3] };
}

describe("PPI rollups", () => {
  it("count a client only with a live ppi consent, at their latest survey of each quarter, at every level", async () => {
    const db = await getDb();
    const w = await world(db);
    const [a, b] = w.clients;
    const survey = (clientId: string, on: string, score: number) =>
      db.ppiSurvey.create({
        data: { clientId, partnerId: w.ke.id, scorecardId: w.scKe, surveyedOn: new Date(`${on}T00:00:00Z`), answers: {}, score, requestKey: `k-${unique()}` },
      });

    await survey(a!.id, "2026-01-15", 40);
    // No consent yet: nothing anywhere.
    expect(await db.ppiRollup.count({ where: { scorecardId: w.scKe, clients: { gt: 0 } } })).toBe(0);

    await grantConsent(db, { clientId: a!.id, purpose: "ppi" });
    const kisumu = await db.ppiRollup.findUnique({
      where: {
        level_country_region_partnerId_groupId_scorecardId_povertyLine_quarter: {
          level: 2, country: "KE", region: "Kisumu", partnerId: "", groupId: "", scorecardId: w.scKe, povertyLine: "national", quarter: new Date("2026-01-01"),
        },
      },
    });
    expect(kisumu).toMatchObject({ clients: 1, likelihoodSumBps: BigInt(60 * 97), scoreSum: 40n });

    // A later survey in the same quarter replaces the earlier one; another quarter is its own point.
    await survey(a!.id, "2026-03-30", 50);
    await survey(a!.id, "2026-04-01", 70);
    await grantConsent(db, { clientId: b!.id, purpose: "ppi" });
    await survey(b!.id, "2026-02-01", 20);
    const q1 = await db.ppiRollup.findMany({ where: { scorecardId: w.scKe, level: 1, povertyLine: "national", clients: { gt: 0 } }, orderBy: { quarter: "asc" } });
    expect(q1.map((r) => [r.quarter.toISOString().slice(0, 10), r.clients, Number(r.likelihoodSumBps)])).toEqual([
      ["2026-01-01", 2, 50 * 97 + 80 * 97],
      ["2026-04-01", 1, 30 * 97],
    ]);

    // Revoking takes the client out in the same transaction.
    await db.consent.updateMany({ where: { clientId: a!.id, purpose: "ppi", revokedAt: null }, data: { revokedAt: new Date() } });
    await assertRollupsMatch(db, [w.ke.id, w.ug.id], [w.scKe, w.scUg]);
    const after = await db.ppiRollup.findMany({ where: { scorecardId: w.scKe, level: 1, povertyLine: "national", clients: { gt: 0 } } });
    expect(after.map((r) => r.clients)).toEqual([1]);
  });

  it("stay equal to a from-scratch computation through a random mix of surveys, consents, moves and membership changes", async () => {
    const db = await getDb();
    const w = await world(db);
    const random = prng(20261123);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    for (let step = 0; step < 60; step++) {
      const client = pick(w.clients);
      const isUg = client.partnerId === w.ug.id;
      const op = random();
      if (op < 0.4) {
        const month = 1 + Math.floor(random() * 12);
        const day = 1 + Math.floor(random() * 28);
        await db.ppiSurvey.create({
          data: {
            clientId: client.id,
            partnerId: client.partnerId,
            scorecardId: isUg ? w.scUg : w.scKe,
            surveyedOn: new Date(Date.UTC(2025 + Math.floor(random() * 2), month - 1, day)),
            answers: {},
            score: Math.floor(random() * 101),
            requestKey: `k-${unique()}`,
          },
        });
      } else if (op < 0.6) {
        await grantConsent(db, { clientId: client.id, purpose: "ppi" });
      } else if (op < 0.72) {
        await db.consent.updateMany({ where: { clientId: client.id, purpose: "ppi", revokedAt: null }, data: { revokedAt: new Date() } });
      } else if (op < 0.82) {
        await db.client.update({ where: { id: client.id }, data: { region: pick(isUg ? ["Gulu", "Lira"] : ["Nakuru", "Kisumu", "Meru"]) } });
      } else {
        const group = pick(w.groups);
        if (group.partnerId !== client.partnerId) continue;
        const membership = await db.groupMember.findUnique({ where: { groupId_clientId: { groupId: group.id, clientId: client.id } } });
        if (membership && !membership.leftAt) await db.groupMember.update({ where: { id: membership.id }, data: { leftAt: new Date() } });
        else if (membership) await db.groupMember.update({ where: { id: membership.id }, data: { leftAt: null } });
        else await db.groupMember.create({ data: { groupId: group.id, clientId: client.id } });
      }
      await assertRollupsMatch(db, [w.ke.id, w.ug.id], [w.scKe, w.scUg]);
    }
    // The mix really exercised the rollups.
    expect(await db.ppiRollup.count({ where: { scorecardId: { in: [w.scKe, w.scUg] }, clients: { gt: 0 } } })).toBeGreaterThan(20);
  });

  it("take a bulk insert of many surveys in one statement", async () => {
    const db = await getDb();
    const w = await world(db);
    for (const c of w.clients) await grantConsent(db, { clientId: c.id, purpose: "ppi" });
    const random = prng(7);
    await db.ppiSurvey.createMany({
      data: Array.from({ length: 400 }, () => {
        const c = w.clients[Math.floor(random() * w.clients.length)]!;
        return {
          clientId: c.id,
          partnerId: c.partnerId,
          scorecardId: c.partnerId === w.ug.id ? w.scUg : w.scKe,
          surveyedOn: new Date(Date.UTC(2024 + Math.floor(random() * 3), Math.floor(random() * 12), 1 + Math.floor(random() * 28))),
          answers: {},
          score: Math.floor(random() * 101),
          requestKey: `k-${unique()}`,
        };
      }),
    });
    await assertRollupsMatch(db, [w.ke.id, w.ug.id], [w.scKe, w.scUg]);
  });

  it("stay exact when surveys and consent changes for the same clients run concurrently", async () => {
    const db = await getDb();
    const w = await world(db);
    const random = prng(99);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      const c = w.clients[i % w.clients.length]!;
      if (i % 3 === 0) writes.push(grantConsent(db, { clientId: c.id, purpose: "ppi" }));
      else if (i % 7 === 0)
        writes.push(db.consent.updateMany({ where: { clientId: c.id, purpose: "ppi", revokedAt: null }, data: { revokedAt: new Date() } }));
      else
        writes.push(
          db.ppiSurvey.create({
            data: {
              clientId: c.id,
              partnerId: c.partnerId,
              scorecardId: c.partnerId === w.ug.id ? w.scUg : w.scKe,
              surveyedOn: new Date(Date.UTC(2026, Math.floor(random() * 6), 1 + Math.floor(random() * 28))),
              answers: {},
              score: Math.floor(random() * 101),
              requestKey: `k-${unique()}`,
            },
          }),
        );
    }
    await Promise.all(writes);
    await assertRollupsMatch(db, [w.ke.id, w.ug.id], [w.scKe, w.scUg]);
  });
});

describe("a loan's reach", () => {
  it("is recorded when the loan is funded and restated when it ends", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { country: "KE", status: "active" });
    const members = [];
    for (let i = 0; i < 4; i++) members.push(await makeClient(db, { partnerId: partner.id }));
    const group = await makeGroup(db, { partnerId: partner.id, memberIds: members.map((m) => m.id) });
    const loan = await makeLoan(db, { partnerId: partner.id, groupId: group.id, status: "fundraising" });
    expect((await db.loan.findUniqueOrThrow({ where: { id: loan.id } })).expectedReach).toBeNull();
    await db.loan.update({ where: { id: loan.id }, data: { status: "funded" } });
    await db.groupMember.updateMany({ where: { groupId: group.id, clientId: members[0]!.id }, data: { leftAt: new Date() } });
    await db.loan.update({ where: { id: loan.id }, data: { status: "paying_back" } });
    await db.loan.update({ where: { id: loan.id }, data: { status: "repaid" } });
    expect(await db.loan.findUniqueOrThrow({ where: { id: loan.id }, select: { expectedReach: true, realisedReach: true } })).toEqual({
      expectedReach: 4,
      realisedReach: 3,
    });
  });
});
