// The demo's impact data: the sample PPI scorecards (made-up tables, labelled
// as such), rural/urban for each client, ppi and investor_drilldown consents,
// and a survey per client for each of the last six quarters, with Kenya
// switching from its v1 scorecard to v2 half-way, so the portal's trends have a
// version crossing to show. Through the PPI and consent models; the rollups
// follow from the database's triggers. Idempotent: fixed request keys, consents
// only where none is live, imports that are no-ops the second time.
import fs from "node:fs";
import path from "node:path";
import { recordConsent } from "~/models/consent.server.ts";
import { getScorecard, importScorecard, recordSurveys, type StoredScorecard } from "~/models/ppi.server.ts";
import type { Db } from "~/utils/db.server.ts";

const PPI_DIR = path.join(import.meta.dirname, "ppi");
// Kenya's v2 is imported after v1, so it is the one in force.
const FILES = ["ke-sample-v1.csv", "ke-sample-v2.csv", "ug-sample-v1.csv", "ph-sample-v1.csv"];
const QUARTERS = 6;
/** From this many quarters ago on, Kenya surveys with v2. */
const KENYA_SWITCH_AT = 2;

/** A number in [0, 1) fixed by the text: the demo is the same on every machine. */
function unit(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return ((h >>> 0) % 10_000) / 10_000;
}

/** First day (UTC) of the quarter `back` quarters before the one `now` is in. */
function quarterStart(now: Date, back: number): Date {
  const index = now.getUTCFullYear() * 4 + Math.floor(now.getUTCMonth() / 3) - back;
  return new Date(Date.UTC(Math.floor(index / 4), (index % 4) * 3, 1));
}

/** Answers drawn from the client's circumstances, better as the quarters go by. */
function answersFor(card: StoredScorecard, clientId: string, quarter: number): Record<string, string> {
  const wealth = 0.15 + 0.55 * unit(`wealth:${clientId}`) + 0.05 * quarter;
  return Object.fromEntries(
    card.questions.map((q) => {
      const byPoints = [...q.answers].sort((a, b) => a.points - b.points);
      const level = Math.min(0.999, Math.max(0, wealth + (unit(`${clientId}:${q.id}:${quarter}`) - 0.5) * 0.5));
      return [q.id, byPoints[Math.floor(level * byPoints.length)]!.id];
    }),
  );
}

export async function seedImpact(db: Db, options: { now?: Date } = {}) {
  const now = options.now ?? new Date();
  const admin = await db.user.findUnique({ where: { id: "seed-user-admin" }, select: { id: true } });
  const officer = await db.user.findUnique({ where: { id: "seed-user-officer" }, select: { id: true } });

  const cards = new Map<string, StoredScorecard[]>();
  for (const file of FILES) {
    const { scorecardId } = await importScorecard({ source: fs.readFileSync(path.join(PPI_DIR, file), "utf8"), importedById: admin?.id ?? null });
    const card = (await getScorecard(scorecardId))!;
    cards.set(card.country, [...(cards.get(card.country) ?? []), card]);
  }

  const partners = await db.partner.findMany({ where: { id: { startsWith: "seed-partner-" }, status: "active" }, select: { id: true, country: true } });
  let surveys = 0;
  for (const partner of partners) {
    const versions = cards.get(partner.country);
    if (!versions) continue;
    // The partner's own officer in Kenya; elsewhere the platform admin stands in, as in the main seed.
    const staffId = partner.id === "seed-partner-1" ? (officer?.id ?? admin?.id ?? null) : (admin?.id ?? null);
    const clients = await db.client.findMany({
      where: { partnerId: partner.id },
      select: { id: true, area: true, consents: { select: { purpose: true, revokedAt: true } } },
      orderBy: { id: "asc" },
    });

    for (const area of ["rural", "urban"] as const) {
      const ids = clients.filter((c) => c.area === "unknown" && (unit(`area:${c.id}`) < 0.65) === (area === "rural")).map((c) => c.id);
      if (ids.length) await db.client.updateMany({ where: { id: { in: ids }, area: "unknown" }, data: { area } });
    }

    for (const client of clients) {
      const live = new Set(client.consents.filter((c) => !c.revokedAt).map((c) => c.purpose));
      const everPpi = client.consents.some((c) => c.purpose === "ppi");
      // Clients who declined everything stay that way; the rest agree to the survey being counted.
      if (!everPpi && live.size > 0 && staffId) {
        await recordConsent(client.id, { purpose: "ppi", evidence: "PPI consent form, signed at the first survey" }, staffId);
        live.add("ppi");
      }
      if (live.has("ppi") && !client.consents.some((c) => c.purpose === "investor_drilldown") && unit(`drilldown:${client.id}`) < 0.45 && staffId) {
        await recordConsent(client.id, { purpose: "investor_drilldown", evidence: "Funder-sharing consent form, signed at the first survey" }, staffId);
      }
    }

    const rows = [];
    for (let back = QUARTERS - 1; back >= 0; back--) {
      const start = quarterStart(now, back);
      const card = partner.country === "KE" && back <= KENYA_SWITCH_AT ? versions.at(-1)! : versions[0]!;
      for (const client of clients) {
        const day = new Date(Math.min(start.getTime() + Math.floor(unit(`day:${client.id}`) * 60) * 86_400_000, now.getTime()));
        rows.push({
          partnerId: partner.id,
          clientId: client.id,
          scorecardId: card.id,
          surveyedOn: day.toISOString().slice(0, 10),
          answers: answersFor(card, client.id, QUARTERS - 1 - back),
          requestKey: `seed-ppi:${client.id}:${start.toISOString().slice(0, 10)}`,
          recordedById: staffId,
        });
      }
    }
    surveys += await recordSurveys(rows);
  }
  return { surveys };
}
