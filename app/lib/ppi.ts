// PPI scorecards: reading a scorecard file, scoring a survey, looking up the
// likelihood of poverty. Pure, so the survey form can score in the browser
// with the same code the server stores the score with.
//
// THE SCORECARD FILE (docs/decisions/020-ppi-scorecard-file.md)
// A CSV file, as any spreadsheet saves it (comma, semicolon or tab). Each row
// starts with what the row is; blank rows and rows starting with # are skipped:
//
//   country,KE                          ISO 3166 two-letter code
//   version,2026-sample-1               the publisher's version label
//   title,Kenya PPI (SAMPLE v1)
//   sample,yes                          yes for made-up tables, no for a real PPI
//   line,National poverty line          one row per poverty line, in order
//   line,$2.15/day (2017 PPP)
//   question,How many members does the household have?
//   answer,Seven or more,0              the answers of the question above, with
//   answer,Five or six,8                their points (whole numbers, 0-100)
//   ...                                 (1-20 questions, 2-10 answers each)
//   likelihood,0,4,92.5,99.1            scores 0 to 4: the likelihood (a percentage,
//   likelihood,5,9,88,97.25             up to two decimals) for each line, in order
//
// The likelihood rows are score bands as the published tables print them (a
// band of one score is "17,17"); together they must cover every score from 0
// to 100 exactly once. The highest possible total (the best answer of every
// question) must not exceed 100. Questions get the ids q1, q2, … and answers
// A, B, … in file order: a survey stores {"q1": "B", …}.
import { z } from "zod";
import { CsvError, guessDelimiter, parseCsv } from "./csv.ts";
import { COUNTRY_CODES } from "./places.ts";

export const PPI_FILE_MAX_BYTES = 256 * 1024;
export const PPI_MAX_QUESTIONS = 20;
export const PPI_MAX_ANSWERS = 10;
export const PPI_MAX_SCORE = 100;
const SCORES = PPI_MAX_SCORE + 1;

export type PpiAnswer = { id: string; text: string; points: number };
export type PpiQuestion = { id: string; text: string; answers: PpiAnswer[] };

export type Scorecard = {
  country: string;
  version: string;
  title: string;
  isSample: boolean;
  povertyLines: string[];
  questions: PpiQuestion[];
  /** Per poverty line, the likelihood in basis points for every score 0..100 (index = score). */
  lookup: Record<string, number[]>;
};

/** A problem with the file, at a row ("line" as a spreadsheet numbers rows) and field where there is one. */
export type ScorecardIssue = { line: number | null; field: string; message: string };

export type ParseResult = { ok: true; scorecard: Scorecard; warnings: ScorecardIssue[] } | { ok: false; issues: ScorecardIssue[] };

export function describeIssue(issue: ScorecardIssue): string {
  return issue.line === null ? `${issue.field}: ${issue.message}` : `Line ${issue.line} (${issue.field}): ${issue.message}`;
}

// --- Field schemas, one per kind of row ---------------------------------------

const text = (what: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, { message: `Write the ${what}.` })
    .max(max, { message: `The ${what} has at most ${max} characters.` });

const points = z
  .string()
  .trim()
  .regex(/^\d{1,3}$/, { message: "Points are a whole number from 0 to 100." })
  .transform(Number)
  .pipe(z.number().max(PPI_MAX_SCORE, { message: "Points are a whole number from 0 to 100." }));

/** "92.5" or "92.50" or "92,5" percent → 9250 basis points; never rounded. */
const percentBps = z
  .string()
  .trim()
  .regex(/^\d{1,3}(?:[.,]\d{1,2})?%?$/, { message: "Write a percentage from 0 to 100 with at most two decimals, e.g. 42.5." })
  .transform((value) => {
    const [whole, fraction = ""] = value.replace("%", "").split(/[.,]/);
    return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  })
  .pipe(z.number().max(10_000, { message: "A likelihood cannot be more than 100%." }));

const ROWS = {
  country: z.tuple([
    z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, { message: "Write the country as its two-letter ISO code, e.g. KE." })
      .refine((code) => COUNTRY_CODES.includes(code), { message: "That is not an ISO country code; write the country's two letters, e.g. KE." }),
  ]),
  version: z.tuple([text("version", 40).regex(/^[\w.\-() ]+$/, { message: "Use letters, digits, spaces and . - ( ) in the version." })]),
  title: z.tuple([text("title", 120)]),
  sample: z.tuple([
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(["yes", "no", "true", "false"], { message: "Write yes if the table is made-up sample data, no if it is a real PPI table." }))
      .transform((v) => v === "yes" || v === "true"),
  ]),
  line: z.tuple([text("poverty line's name", 60)]),
  question: z.tuple([text("question", 300)]),
  answer: z.tuple([text("answer", 200), points]),
} as const;

const FIELD_NAMES: Record<keyof typeof ROWS, string[]> = {
  country: ["country"],
  version: ["version"],
  title: ["title"],
  sample: ["sample"],
  line: ["poverty line"],
  question: ["question text"],
  answer: ["answer text", "points"],
};

const KINDS = [...Object.keys(ROWS), "likelihood"];

function trimTrailing(fields: string[]): string[] {
  let end = fields.length;
  while (end > 0 && fields[end - 1]!.trim() === "") end--;
  return fields.slice(0, end);
}

/** Reads and checks a scorecard file: every problem found, each naming its line and field. */
export function parseScorecard(source: string): ParseResult {
  const issues: ScorecardIssue[] = [];
  const warnings: ScorecardIssue[] = [];
  if (source.length > PPI_FILE_MAX_BYTES) {
    return { ok: false, issues: [{ line: null, field: "file", message: `The file is larger than ${PPI_FILE_MAX_BYTES / 1024} KB; a scorecard is far smaller.` }] };
  }
  let records;
  try {
    // Guessed from the first row that is not a comment: "# notes" often has no separator at all.
    const firstRow = source.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/).find((row) => row.trim() !== "" && !row.trimStart().startsWith("#")) ?? "";
    records = parseCsv(source, { maxRecords: 2_000, delimiter: guessDelimiter(firstRow) });
  } catch (error) {
    if (error instanceof CsvError) return { ok: false, issues: [{ line: error.line, field: "file", message: error.message.replace(/^Line \d+: /, "") }] };
    throw error;
  }

  const single: Partial<Record<"country" | "version" | "title" | "sample", { value: unknown; line: number }>> = {};
  // Rows present but wrong: reported where they stand, not again as missing.
  const seen = new Set<string>();
  const answerRows = new Map<string, number>();
  const lines: { name: string; line: number }[] = [];
  const questions: (PpiQuestion & { line: number })[] = [];
  const bands: { from: number; to: number; bps: number[]; line: number }[] = [];

  for (const record of records) {
    const first = record.fields[0]!.trim();
    if (first.startsWith("#")) continue;
    const kind = first.toLowerCase();
    const rest = trimTrailing(record.fields.slice(1));
    if (!KINDS.includes(kind)) {
      issues.push({
        line: record.line,
        field: "row kind",
        message: `“${first.slice(0, 40)}” is not a kind of row. A row starts with one of: ${KINDS.join(", ")}.`,
      });
      continue;
    }
    if (kind === "likelihood") {
      const band = parseBand(rest, record.line, issues);
      if (band) bands.push(band);
      continue;
    }
    const key = kind as keyof typeof ROWS;
    seen.add(key);
    const current = questions.at(-1);
    if (key === "answer" && current) answerRows.set(current.id, (answerRows.get(current.id) ?? 0) + 1);
    const schema = ROWS[key];
    const names = FIELD_NAMES[key];
    if (rest.length > names.length) {
      issues.push({ line: record.line, field: kind, message: `A ${kind} row has ${names.length === 1 ? "one value" : `${names.length} values`} (${names.join(", ")}) after the word ${kind}; this one has ${rest.length}.` });
      continue;
    }
    const parsed = schema.safeParse([...rest, ...Array<string>(names.length - rest.length).fill("")]);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const index = typeof issue.path[0] === "number" ? issue.path[0] : 0;
        issues.push({ line: record.line, field: names[index] ?? kind, message: issue.message });
      }
      continue;
    }
    const values = parsed.data as unknown[];
    switch (key) {
      case "country":
      case "version":
      case "title":
      case "sample": {
        const held = single[key];
        if (held) issues.push({ line: record.line, field: key, message: `The ${key} is already given on line ${held.line}; give it once.` });
        else single[key] = { value: values[0], line: record.line };
        break;
      }
      case "line": {
        const name = values[0] as string;
        const twin = lines.find((l) => l.name.toLowerCase() === name.toLowerCase());
        if (twin) issues.push({ line: record.line, field: "poverty line", message: `“${name}” is already a poverty line (line ${twin.line}); each line once.` });
        else lines.push({ name, line: record.line });
        break;
      }
      case "question": {
        if (questions.length >= PPI_MAX_QUESTIONS) {
          issues.push({ line: record.line, field: "question", message: `A scorecard has at most ${PPI_MAX_QUESTIONS} questions.` });
          break;
        }
        questions.push({ id: `q${questions.length + 1}`, text: values[0] as string, answers: [], line: record.line });
        break;
      }
      case "answer": {
        const question = questions.at(-1);
        if (!question) {
          issues.push({ line: record.line, field: "answer", message: "An answer row must come after the question row it answers." });
        } else if (question.answers.length >= PPI_MAX_ANSWERS) {
          issues.push({ line: record.line, field: "answer", message: `A question has at most ${PPI_MAX_ANSWERS} answers.` });
        } else if (question.answers.some((a) => a.text.toLowerCase() === (values[0] as string).toLowerCase())) {
          issues.push({ line: record.line, field: "answer text", message: `“${values[0] as string}” is already an answer to this question.` });
        } else {
          question.answers.push({ id: String.fromCharCode(65 + question.answers.length), text: values[0] as string, points: values[1] as number });
        }
        break;
      }
    }
  }

  for (const key of ["country", "version", "title", "sample"] as const) {
    if (!single[key] && !seen.has(key)) issues.push({ line: null, field: key, message: `The file has no ${key} row (${key},…).` });
  }
  if (lines.length === 0) issues.push({ line: null, field: "poverty line", message: "The file has no poverty line (line,<name>)." });
  if (questions.length === 0) issues.push({ line: null, field: "question", message: "The file has no questions (question,<text> followed by its answer rows)." });
  for (const q of questions) {
    if ((answerRows.get(q.id) ?? 0) < 2) {
      issues.push({ line: q.line, field: "question", message: `Question ${q.id.slice(1)} needs at least two answer rows after it (answer,<text>,<points>).` });
    }
  }
  const best = questions.reduce((sum, q) => sum + Math.max(0, ...q.answers.map((a) => a.points)), 0);
  if (best > PPI_MAX_SCORE) {
    issues.push({ line: null, field: "points", message: `The best answers add up to ${best}; the points of a scorecard add up to at most ${PPI_MAX_SCORE}.` });
  }

  const lookup: Record<string, number[]> = {};
  if (lines.length > 0) {
    const covered: (number | null)[] = Array(SCORES).fill(null);
    for (const band of bands) {
      if (band.bps.length !== lines.length) {
        issues.push({
          line: band.line,
          field: "likelihood",
          message: `Give one likelihood per poverty line (${lines.length}: ${lines.map((l) => l.name).join("; ")}); this row has ${band.bps.length}.`,
        });
        continue;
      }
      for (let s = band.from; s <= band.to; s++) {
        const earlier = covered[s];
        if (earlier !== null && earlier !== undefined) {
          issues.push({ line: band.line, field: "score from", message: `Score ${s} is already in the band on line ${earlier}; bands must not overlap.` });
          break;
        }
        covered[s] = band.line;
      }
      lines.forEach((l, i) => {
        const row = (lookup[l.name] ??= Array<number>(SCORES).fill(0));
        for (let s = band.from; s <= band.to; s++) row[s] = band.bps[i]!;
      });
    }
    if (bands.length === 0) {
      issues.push({ line: null, field: "likelihood", message: "The file has no likelihood rows (likelihood,<score from>,<score to>,<% per line>)." });
    } else {
      const missing = covered.flatMap((line, s) => (line === null ? [s] : []));
      if (missing.length > 0) {
        issues.push({ line: null, field: "likelihood", message: `No likelihood row covers the score${missing.length > 1 ? "s" : ""} ${ranges(missing)}; the bands must cover 0 to 100.` });
      }
    }
    // Real tables fall as the score rises; a rise usually means two columns or rows were swapped.
    if (issues.length === 0) {
      for (const l of lines) {
        const row = lookup[l.name]!;
        const s = row.findIndex((bps, i) => i > 0 && bps > row[i - 1]!);
        if (s > 0) warnings.push({ line: null, field: "likelihood", message: `For “${l.name}” the likelihood rises from score ${s - 1} to ${s}; check the columns.` });
      }
    }
  }

  if (issues.length > 0) return { ok: false, issues: issues.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity)) };
  return {
    ok: true,
    warnings,
    scorecard: {
      country: single.country!.value as string,
      version: single.version!.value as string,
      title: single.title!.value as string,
      isSample: single.sample!.value as boolean,
      povertyLines: lines.map((l) => l.name),
      questions: questions.map(({ id, text, answers }) => ({ id, text, answers })),
      lookup,
    },
  };
}

function parseBand(rest: string[], line: number, issues: ScorecardIssue[]) {
  const [from, to, ...likelihoods] = rest;
  const a = points.safeParse(from ?? "");
  const b = points.safeParse(to ?? "");
  let ok = true;
  if (!a.success) {
    issues.push({ line, field: "score from", message: "The band's first score is a whole number from 0 to 100." });
    ok = false;
  }
  if (!b.success) {
    issues.push({ line, field: "score to", message: "The band's last score is a whole number from 0 to 100." });
    ok = false;
  }
  if (a.success && b.success && a.data > b.data) {
    issues.push({ line, field: "score to", message: `The band runs from ${a.data} to ${b.data}: the last score must not be below the first.` });
    ok = false;
  }
  const bps: number[] = [];
  likelihoods.forEach((value, i) => {
    const parsed = percentBps.safeParse(value);
    if (parsed.success) bps.push(parsed.data);
    else {
      ok = false;
      issues.push({ line, field: `likelihood ${i + 1}`, message: parsed.error.issues[0]!.message });
    }
  });
  return ok && a.success && b.success ? { from: a.data, to: b.data, bps, line } : null;
}

function ranges(scores: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < scores.length; i++) {
    let j = i;
    while (j + 1 < scores.length && scores[j + 1] === scores[j]! + 1) j++;
    out.push(i === j ? String(scores[i]) : `${scores[i]}–${scores[j]}`);
    i = j;
  }
  return out.join(", ");
}

// --- Scoring -------------------------------------------------------------------

export type ScoreResult = { ok: true; score: number; answers: Record<string, string> } | { ok: false; errors: Record<string, string> };

/**
 * The total of a survey: every question answered exactly once with one of its
 * own answers. Errors are keyed by question id ("" for answers to no question).
 */
export function scoreAnswers(card: Pick<Scorecard, "questions">, given: Iterable<readonly [string, string]> | Record<string, string>): ScoreResult {
  const pairs = Symbol.iterator in given ? [...(given as Iterable<readonly [string, string]>)] : Object.entries(given);
  const errors: Record<string, string> = {};
  const chosen = new Map<string, string>();
  for (const [questionId, answerId] of pairs) {
    const question = card.questions.find((q) => q.id === questionId);
    if (!question) {
      errors[""] = `There is no question ${questionId} on this scorecard.`;
      continue;
    }
    if (chosen.has(questionId)) {
      errors[questionId] = "Choose one answer only.";
      continue;
    }
    if (!question.answers.some((a) => a.id === answerId)) {
      errors[questionId] = "Choose one of the answers listed.";
      continue;
    }
    chosen.set(questionId, answerId);
  }
  let total = 0;
  for (const question of card.questions) {
    const answerId = chosen.get(question.id);
    if (answerId === undefined) {
      errors[question.id] ??= "Choose an answer.";
      continue;
    }
    total += question.answers.find((a) => a.id === answerId)!.points;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  if (total > PPI_MAX_SCORE) return { ok: false, errors: { "": `The answers add up to ${total}, more than ${PPI_MAX_SCORE}: the scorecard is wrong.` } };
  return { ok: true, score: total, answers: Object.fromEntries(card.questions.map((q) => [q.id, chosen.get(q.id)!])) };
}

/** The likelihood (basis points) of living below each poverty line at this score, in the scorecard's line order. */
export function likelihoodsFor(card: Pick<Scorecard, "povertyLines" | "lookup">, total: number): { line: string; bps: number }[] {
  if (!Number.isInteger(total) || total < 0 || total > PPI_MAX_SCORE) throw new RangeError(`A PPI score is a whole number from 0 to 100, not ${total}`);
  return card.povertyLines.map((line) => {
    const row = card.lookup[line];
    if (!row || row.length !== SCORES) throw new RangeError(`The scorecard has no lookup for the line ${line}`);
    return { line, bps: row[total]! };
  });
}

/** 2534 bps → "25.34%" (exact: basis points are hundredths of a percent). */
export function formatBps(bps: number): string {
  const whole = Math.trunc(bps / 100);
  const cents = Math.abs(bps % 100);
  return `${whole}.${String(cents).padStart(2, "0")}%`;
}

/** The stored questions (JSON) back into their type; anything else is a broken row. */
export const storedQuestionsSchema = z.array(
  z.object({
    id: z.string(),
    text: z.string(),
    answers: z.array(z.object({ id: z.string(), text: z.string(), points: z.number().int().min(0).max(PPI_MAX_SCORE) })),
  }),
);

/** Two parses of the same scorecard: used to tell a repeated import from a different table under the same version. */
export function sameScorecard(a: Scorecard, b: Scorecard): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(card: Scorecard) {
  return {
    country: card.country,
    version: card.version,
    title: card.title,
    isSample: card.isSample,
    povertyLines: card.povertyLines,
    // Rebuilt field by field: a scorecard read back from JSONB has its keys in the database's order.
    questions: card.questions.map((q) => ({ id: q.id, text: q.text, answers: q.answers.map((a) => ({ id: a.id, text: a.text, points: a.points })) })),
    lookup: card.povertyLines.map((l) => card.lookup[l]),
  };
}
