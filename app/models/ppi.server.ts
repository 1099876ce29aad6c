// PPI scorecards and surveys (docs/decisions/020-ppi-scorecard-file.md). A
// scorecard is imported once per country and version and never changed; a
// survey stores its answers and the score computed from them. The rollups the
// portal reads follow from the database's triggers, never from code here.
import { z } from "zod";
import { likelihoodsFor, parseScorecard, sameScorecard, scoreAnswers, storedQuestionsSchema, type Scorecard, type ScorecardIssue } from "~/lib/ppi.ts";
import { getDb } from "~/utils/db.server.ts";

export class PpiError extends Error {
  constructor(
    message: string,
    /** The form field it is about ("" for the form as a whole). */
    readonly field = "",
  ) {
    super(message);
    this.name = "PpiError";
  }
}

/** The file could not be imported: every problem, each naming its line and field. */
export class ScorecardFileError extends Error {
  constructor(readonly issues: ScorecardIssue[]) {
    super(issues.length === 1 ? issues[0]!.message : `The file has ${issues.length} problems.`);
    this.name = "ScorecardFileError";
  }
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === "P2002";

export type StoredScorecard = Scorecard & { id: string; importedAt: Date };

// --- Scorecards ------------------------------------------------------------------

export async function listScorecards() {
  const db = await getDb();
  const rows = await db.ppiScorecard.findMany({
    select: {
      id: true,
      country: true,
      version: true,
      title: true,
      isSample: true,
      povertyLines: true,
      questions: true,
      importedAt: true,
      _count: { select: { surveys: true } },
    },
    orderBy: [{ country: "asc" }, { importedAt: "desc" }, { version: "desc" }],
  });
  return rows.map(({ questions, _count, ...row }) => ({ ...row, questionCount: Array.isArray(questions) ? questions.length : 0, surveys: _count.surveys }));
}

/** What an import of this file would do, without doing it. */
export async function previewScorecard(source: string) {
  const parsed = parseScorecard(source);
  if (!parsed.ok) return { ok: false as const, issues: parsed.issues };
  const existing = await findByVersion(parsed.scorecard.country, parsed.scorecard.version);
  const status: "new" | "already-imported" | "conflict" = !existing ? "new" : sameScorecard(existing, parsed.scorecard) ? "already-imported" : "conflict";
  return { ok: true as const, scorecard: parsed.scorecard, warnings: parsed.warnings, status, existingId: existing?.id ?? null };
}

/**
 * Imports a scorecard file. Importing the same table again is a no-op (the
 * existing scorecard is returned); a different table under a country and
 * version already imported is refused: a corrected table is a new version.
 */
export async function importScorecard(input: { source: string; importedById: string | null }): Promise<{ scorecardId: string; outcome: "imported" | "already-imported" }> {
  const parsed = parseScorecard(input.source);
  if (!parsed.ok) throw new ScorecardFileError(parsed.issues);
  const card = parsed.scorecard;
  const settle = async () => {
    const existing = await findByVersion(card.country, card.version);
    if (!existing) return null;
    if (!sameScorecard(existing, card)) {
      throw new ScorecardFileError([
        {
          line: null,
          field: "version",
          message: `${card.country} version “${card.version}” is already imported with a different table. Scorecards are never changed once imported: give the corrected file a new version.`,
        },
      ]);
    }
    return { scorecardId: existing.id, outcome: "already-imported" as const };
  };
  const earlier = await settle();
  if (earlier) return earlier;
  const db = await getDb();
  try {
    const id = await db.$transaction(async (tx) => {
      const row = await tx.ppiScorecard.create({
        data: {
          country: card.country,
          version: card.version,
          title: card.title,
          isSample: card.isSample,
          povertyLines: card.povertyLines,
          questions: card.questions,
          sourceFile: input.source,
          importedById: input.importedById,
        },
        select: { id: true },
      });
      await tx.ppiLookup.createMany({
        data: card.povertyLines.flatMap((line) => card.lookup[line]!.map((likelihoodBps, score) => ({ scorecardId: row.id, povertyLine: line, score, likelihoodBps }))),
      });
      return row.id;
    });
    return { scorecardId: id, outcome: "imported" };
  } catch (error) {
    // Two imports of one version at once: the loser answers as if it came second.
    if (isUniqueViolation(error)) {
      const later = await settle();
      if (later) return later;
    }
    throw error;
  }
}

async function findByVersion(country: string, version: string) {
  const db = await getDb();
  const row = await db.ppiScorecard.findUnique({ where: { country_version: { country, version } }, select: { id: true } });
  return row ? getScorecard(row.id) : null;
}

/** A scorecard with its questions and full lookup table, or null. */
export async function getScorecard(id: string): Promise<StoredScorecard | null> {
  const db = await getDb();
  const row = await db.ppiScorecard.findUnique({
    where: { id },
    select: { id: true, country: true, version: true, title: true, isSample: true, povertyLines: true, questions: true, importedAt: true },
  });
  if (!row) return null;
  const lookupRows = await db.ppiLookup.findMany({ where: { scorecardId: id }, select: { povertyLine: true, score: true, likelihoodBps: true } });
  const lookup: Record<string, number[]> = {};
  for (const line of row.povertyLines) lookup[line] = Array<number>(101).fill(0);
  for (const r of lookupRows) if (lookup[r.povertyLine]) lookup[r.povertyLine]![r.score] = r.likelihoodBps;
  return { ...row, questions: storedQuestionsSchema.parse(row.questions), lookup };
}

/** The scorecards a partner in this country may survey with, newest import first (the first is the one in force). */
export async function scorecardsForCountry(country: string) {
  const db = await getDb();
  return db.ppiScorecard.findMany({
    where: { country },
    select: { id: true, version: true, title: true, isSample: true, importedAt: true },
    orderBy: [{ importedAt: "desc" }, { version: "desc" }],
  });
}

// --- Surveys ---------------------------------------------------------------------

const today = () => new Date().toISOString().slice(0, 10);

export const surveySchema = z.object({
  scorecardId: z.string({ message: "Choose the scorecard." }).trim().min(1, { message: "Choose the scorecard." }),
  surveyedOn: z
    .string({ message: "Enter the date of the survey (YYYY-MM-DD)." })
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "Enter the date of the survey (YYYY-MM-DD)." })
    .refine((value) => {
      const date = new Date(`${value}T00:00:00Z`);
      return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
    }, { message: "That date does not exist." })
    // By calendar day (UTC), as every date-only field: a survey done today is never "in the future".
    .refine((value) => value <= today(), { message: "The survey date cannot be in the future." })
    .refine((value) => value >= "2000-01-01", { message: "The survey date cannot be before 2000." }),
  requestKey: z.string({ message: "This form has expired. Reload the page and try again." }).trim().min(8, { message: "This form has expired. Reload the page and try again." }).max(100),
});
export type SurveyInput = z.infer<typeof surveySchema>;

/** The answers a survey form carries: a field per question, named by its id (q1, q2, …). */
export function answersFromForm(form: FormData): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [key, value] of form) if (/^q\d{1,2}$/.test(key) && typeof value === "string") pairs.push([key, value]);
  return pairs;
}

export class SurveyAnswersError extends Error {
  constructor(readonly errors: Record<string, string[]>) {
    super("Some questions are not answered.");
    this.name = "SurveyAnswersError";
  }
}

/** Scores answers on a scorecard the partner's country uses, without saving anything (the form's "check"). */
export async function scoreSurvey(input: { country: string; scorecardId: string; answers: Iterable<readonly [string, string]> }) {
  const card = await getScorecard(input.scorecardId);
  if (!card || card.country !== input.country) throw new PpiError("Choose one of the scorecards for your country.", "scorecardId");
  const result = scoreAnswers(card, input.answers);
  if (!result.ok) throw new SurveyAnswersError(Object.fromEntries(Object.entries(result.errors).map(([k, m]) => [k, [m]])));
  return { score: result.score, answers: result.answers, likelihoods: likelihoodsFor(card, result.score), scorecard: card };
}

/**
 * Records one survey of a client of this partner. The request key makes it
 * safe to post twice: the same form again returns the survey it recorded.
 */
export async function recordSurvey(input: SurveyInput & { partnerId: string; clientId: string; recordedById: string | null; answers: Iterable<readonly [string, string]> }) {
  const db = await getDb();
  const client = await db.client.findFirst({ where: { id: input.clientId, partnerId: input.partnerId }, select: { id: true, partner: { select: { country: true } } } });
  if (!client) throw new PpiError("No such client at this partner.");
  const scored = await scoreSurvey({ country: client.partner.country, scorecardId: input.scorecardId, answers: input.answers });
  const data = {
    clientId: client.id,
    partnerId: input.partnerId,
    scorecardId: input.scorecardId,
    surveyedOn: new Date(`${input.surveyedOn}T00:00:00Z`),
    answers: scored.answers,
    score: scored.score,
    recordedById: input.recordedById,
    requestKey: input.requestKey,
  };
  const replay = async () => {
    const held = await db.ppiSurvey.findUnique({ where: { requestKey: input.requestKey }, select: { id: true, clientId: true, scorecardId: true, surveyedOn: true, answers: true } });
    if (!held) return null;
    const same =
      held.clientId === data.clientId &&
      held.scorecardId === data.scorecardId &&
      held.surveyedOn.getTime() === data.surveyedOn.getTime() &&
      sameAnswers(held.answers, data.answers);
    if (!same) throw new PpiError("This form was already used to record another survey. Reload the page to record a new one.");
    return { surveyId: held.id, outcome: "already-recorded" as const, score: scored.score, likelihoods: scored.likelihoods };
  };
  const earlier = await replay();
  if (earlier) return earlier;
  try {
    const row = await db.ppiSurvey.create({ data, select: { id: true } });
    return { surveyId: row.id, outcome: "recorded" as const, score: scored.score, likelihoods: scored.likelihoods };
  } catch (error) {
    if (isUniqueViolation(error)) {
      const later = await replay();
      if (later) return later;
    }
    throw error;
  }
}

function sameAnswers(stored: unknown, answers: Record<string, string>): boolean {
  if (!stored || typeof stored !== "object") return false;
  const held = stored as Record<string, unknown>;
  const keys = Object.keys(answers);
  return Object.keys(held).length === keys.length && keys.every((k) => held[k] === answers[k]);
}

/**
 * Many surveys in one statement (the demo seed, imports): each scored as a
 * single one would be, then inserted together so the rollups refresh once.
 * Rows whose request key is already recorded are skipped.
 */
export async function recordSurveys(
  rows: { partnerId: string; clientId: string; scorecardId: string; surveyedOn: string; answers: Record<string, string>; requestKey: string; recordedById: string | null }[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const db = await getDb();
  const cards = new Map<string, StoredScorecard>();
  for (const id of new Set(rows.map((r) => r.scorecardId))) {
    const card = await getScorecard(id);
    if (!card) throw new PpiError(`No scorecard ${id}.`, "scorecardId");
    cards.set(id, card);
  }
  const data = rows.map((row) => {
    const parsed = surveySchema.safeParse(row);
    if (!parsed.success) throw new PpiError(`${row.requestKey}: ${parsed.error.issues[0]!.message}`, String(parsed.error.issues[0]!.path[0] ?? ""));
    const result = scoreAnswers(cards.get(row.scorecardId)!, row.answers);
    if (!result.ok) throw new PpiError(`${row.requestKey}: ${Object.values(result.errors).join(" ")}`);
    return {
      clientId: row.clientId,
      partnerId: row.partnerId,
      scorecardId: row.scorecardId,
      surveyedOn: new Date(`${row.surveyedOn}T00:00:00Z`),
      answers: result.answers,
      score: result.score,
      recordedById: row.recordedById,
      requestKey: row.requestKey,
    };
  });
  const { count } = await db.ppiSurvey.createMany({ data, skipDuplicates: true });
  return count;
}

/**
 * A client's surveys, oldest first, with the likelihood per line and, where the
 * scorecard differs from the survey before, the versions it changed between:
 * those two scores are not comparable.
 */
export async function surveyHistory(partnerId: string, clientId: string) {
  const db = await getDb();
  const surveys = await db.ppiSurvey.findMany({
    where: { clientId, partnerId },
    select: {
      id: true,
      surveyedOn: true,
      score: true,
      createdAt: true,
      scorecardId: true,
      recordedById: true,
      scorecard: { select: { version: true, title: true, isSample: true, povertyLines: true } },
    },
    orderBy: [{ surveyedOn: "asc" }, { createdAt: "asc" }, { id: "asc" }],
  });
  const lookup = surveys.length
    ? await db.ppiLookup.findMany({
        where: { OR: surveys.map((s) => ({ scorecardId: s.scorecardId, score: s.score })) },
        select: { scorecardId: true, score: true, povertyLine: true, likelihoodBps: true },
      })
    : [];
  const recorders = await db.user.findMany({
    where: { id: { in: [...new Set(surveys.flatMap((s) => (s.recordedById ? [s.recordedById] : [])))] } },
    select: { id: true, name: true },
  });
  return surveys.map((s, i) => {
    const before = surveys[i - 1];
    return {
      id: s.id,
      surveyedOn: s.surveyedOn.toISOString().slice(0, 10),
      score: s.score,
      scorecardId: s.scorecardId,
      version: s.scorecard.version,
      isSample: s.scorecard.isSample,
      recordedBy: recorders.find((u) => u.id === s.recordedById)?.name ?? null,
      likelihoods: s.scorecard.povertyLines.map((line) => ({
        line,
        bps: lookup.find((l) => l.scorecardId === s.scorecardId && l.score === s.score && l.povertyLine === line)?.likelihoodBps ?? null,
      })),
      changedFrom: before && before.scorecardId !== s.scorecardId ? before.scorecard.version : null,
    };
  });
}
