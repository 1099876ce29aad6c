// Repayments by CSV upload. A file is read and checked line by line first and
// stored with every line's verdict, keyed by (partner, SHA-256 of the bytes),
// so the same file uploaded again is the same upload. Nothing moves until the
// partner confirms; then every line is recorded in ONE transaction that also
// flips the upload validated → posting (all or nothing, and a second confirm
// finds it no longer validated), and the lines are distributed to lenders in
// batches in the background while the page shows the progress. The
// repayments themselves are the truth about progress: a server that dies
// mid-way leaves them `recorded`, the periodic job distributes them, and the
// upload reads as posted once none is left.
import crypto from "node:crypto";
import { CsvError, parseCsv, type CsvRecord } from "~/lib/csv.ts";
import { STATUS_LABELS } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import { parseRate, RateError } from "~/lib/repayment.ts";
import {
  amountInMinor,
  dateFormatMessage,
  matchColumns,
  parseAmountText,
  rateSlipMessage,
  truncate,
  UPLOAD_MAX_BYTES,
  UPLOAD_MAX_LINES,
  type AmountText,
  type ColumnMap,
} from "~/lib/repayment-upload.ts";
import { getDb } from "~/utils/db.server.ts";
import { inTransaction, type DbTx } from "./ledger.server.ts";
import { distributePending, isoDate, parseDateInput, recordRepayments, type RepaymentError, type RepaymentInput } from "./repayment.server.ts";

export class UploadError extends Error {
  constructor(
    message: string,
    readonly field: string = "file",
  ) {
    super(message);
    this.name = "UploadError";
  }
}

type Row = Record<string, unknown>;
const big = (v: unknown) => BigInt(v as string | number | bigint);
const asDate = (v: unknown) => new Date(v as string | Date);

/** The same as repayment.server.ts accepts: recoveries after a default or a write-off still reach lenders. */
const REPAYABLE = new Set(["paying_back", "defaulted", "written_off"]);
/** Enough of a line to recognise it in the report, not a whole runaway line. */
const RAW_MAX = 500;

export const uploadRequestKey = (uploadId: string, lineNo: number) => `upload:${uploadId}:${lineNo}`;

// ---------------------------------------------------------------------------
// Reading the file

/** The file's text, or why it is not a CSV file, in words a partner can act on. */
export function decodeUpload(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new UploadError("The file is empty. Choose the CSV file with the repayments.");
  if (bytes.length > UPLOAD_MAX_BYTES) {
    throw new UploadError(`The file is larger than ${UPLOAD_MAX_BYTES / 1024 / 1024} MB. Split it into smaller files and upload each one.`);
  }
  const starts = (...magic: number[]) => magic.every((b, i) => bytes[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0xd0, 0xcf, 0x11, 0xe0)) {
    throw new UploadError("This is a spreadsheet workbook (Excel or similar), not a CSV file. Save it as “CSV UTF-8 (comma delimited)” and upload that.");
  }
  if (starts(0x25, 0x50, 0x44, 0x46)) throw new UploadError("This is a PDF, not a CSV file. Export the repayments as CSV from your spreadsheet or system.");
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) return new TextDecoder(bytes[0] === 0xff ? "utf-16le" : "utf-16be").decode(bytes);
  if (bytes.subarray(0, 8192).includes(0)) {
    throw new UploadError("This is not a text file. Save the repayments as “CSV UTF-8 (comma delimited)” and upload that.");
  }
  // Not fatal on bad UTF-8: a stray byte in a column we do not read (a name
  // saved in another encoding) must not refuse the file; one in a column we
  // read shows up as that line's error.
  return new TextDecoder("utf-8").decode(bytes);
}

function readRecords(text: string): { header: CsvRecord; rows: CsvRecord[]; columns: ColumnMap } {
  let records: CsvRecord[];
  try {
    records = parseCsv(text, { maxRecords: UPLOAD_MAX_LINES + 1 });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    if (/more than [\d,]+ rows/.test(error.message)) {
      throw new UploadError(`The file has more than ${UPLOAD_MAX_LINES.toLocaleString("en-US")} repayments. Split it into smaller files and upload each one.`);
    }
    throw new UploadError(`The file could not be read as CSV. ${error.message}`);
  }
  const header = records[0];
  if (!header) throw new UploadError("The file is empty. Choose the CSV file with the repayments.");
  const matched = matchColumns(header.fields);
  if (!matched.ok) throw new UploadError(matched.message);
  const rows = records.slice(1);
  if (rows.length === 0) throw new UploadError("The file has its column names but no repayments under them.");
  return { header, rows, columns: matched.columns };
}

// ---------------------------------------------------------------------------
// Checking each line

type Line = {
  lineNo: number;
  raw: string;
  reference: string;
  loanId: string | null;
  paidOn: Date | null;
  amountText: AmountText | null;
  localAmount: bigint | null;
  fxRate: string | null;
  errors: string[];
};

type LoanFacts = {
  id: string;
  reference: string;
  status: string;
  currency: string;
  disbursedAt: Date | null;
  scheduleVersion: number;
  fxRate: number;
  /** What the borrower still owes on the schedule in force, principal and interest, local minor units. */
  owedLocal: bigint;
};

async function loansByReference(partnerId: string, references: string[]): Promise<Map<string, LoanFacts>> {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `SELECT l.id, l.reference, l.status::text AS status, l.local_currency, l.disbursed_at, l.schedule_version, l.fx_rate::text AS fx_rate,
            COALESCE((SELECT SUM(i.principal + i.interest) FROM loan_instalments i WHERE i.loan_id = l.id AND i.version = l.schedule_version), 0)
              - (l.repaid_local_minor - COALESCE(s.paid_before_local, 0)) AS owed
       FROM loans l LEFT JOIN loan_schedules s ON s.loan_id = l.id AND s.version = l.schedule_version
      WHERE l.partner_id = $1 AND upper(l.reference) = ANY($2::text[])`,
    partnerId,
    references.map((r) => r.toUpperCase()),
  )) as Row[];
  const byKey = new Map<string, LoanFacts>();
  for (const r of rows) {
    const facts: LoanFacts = {
      id: r.id as string,
      reference: r.reference as string,
      status: r.status as string,
      currency: (r.local_currency as string).trim(),
      disbursedAt: r.disbursed_at ? asDate(r.disbursed_at) : null,
      scheduleVersion: Number(r.schedule_version),
      fxRate: Number(r.fx_rate),
      owedLocal: big(r.owed),
    };
    const key = facts.reference.toUpperCase();
    // References differing only in case: the exact spelling wins, looked up first below.
    byKey.set(facts.reference, facts);
    if (!byKey.has(key) || byKey.get(key)!.reference !== key) byKey.set(key, facts);
  }
  return byKey;
}

function startOfDayUtc(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

function parseLine(record: CsvRecord, columns: ColumnMap, headerLength: number): Line {
  const line: Line = {
    lineNo: record.line,
    raw: truncate(record.raw, RAW_MAX),
    reference: "",
    loanId: null,
    paidOn: null,
    amountText: null,
    localAmount: null,
    fxRate: null,
    errors: [],
  };
  const fields = record.fields;
  if (fields.length > headerLength) {
    // Shifted values would be read as the wrong columns: "1,500.50" unquoted becomes an amount of 1 and a rate of 500.50.
    line.errors.push(
      `This line has ${fields.length} values but the first line names ${headerLength} columns. ` +
        "Is there a comma inside a number? Write 1500.50, not 1,500.50.",
    );
    return line;
  }
  const value = (index: number) => (fields[index] ?? "").trim();
  line.reference = value(columns.reference);
  if (line.reference === "") line.errors.push("The loan reference is missing.");

  const dateText = value(columns.date);
  line.paidOn = parseDateInput(dateText);
  if (!line.paidOn) line.errors.push(dateFormatMessage(dateText));

  const amount = parseAmountText(value(columns.amount));
  if (amount.ok) line.amountText = amount.amount;
  else line.errors.push(amount.message);

  const rateText = value(columns.rate);
  if (rateText === "") {
    line.errors.push("The rate is missing: local currency per US dollar, e.g. 129.50.");
  } else {
    try {
      parseRate(rateText);
      line.fxRate = rateText;
    } catch (error) {
      if (!(error instanceof RateError)) throw error;
      line.errors.push(error.message);
    }
  }
  return line;
}

function loanRefusal(loan: LoanFacts): string | null {
  if (!REPAYABLE.has(loan.status)) {
    return loan.status === "repaid"
      ? `Loan ${loan.reference} is already fully repaid.`
      : `Loan ${loan.reference} is ${(STATUS_LABELS[loan.status] ?? loan.status).toLowerCase()}: repayments can be recorded only once it is disbursed.`;
  }
  if (loan.scheduleVersion === 0) return `Loan ${loan.reference} has no repayment schedule yet: record its disbursement first.`;
  return null;
}

/**
 * Every line's verdict. The checks are the ones recording applies (so a clean
 * report posts), plus what only a whole file shows: the same repayment twice,
 * one already recorded, and lines that together repay more than is owed.
 */
async function checkLines(partner: { id: string; name: string }, records: CsvRecord[], columns: ColumnMap, headerLength: number, uploadId: string | null, now: Date) {
  const lines = records.map((record) => parseLine(record, columns, headerLength));
  const references = [...new Set(lines.map((l) => l.reference).filter(Boolean))];
  const loans = await loansByReference(partner.id, references);
  const facts = new Map<string, LoanFacts>();
  const today = now.getTime();

  for (const line of lines) {
    if (!line.reference) continue;
    const loan = loans.get(line.reference) ?? loans.get(line.reference.toUpperCase());
    if (!loan) {
      line.errors.unshift(`There is no loan ${truncate(line.reference, 40)} at ${partner.name}.`);
      continue;
    }
    line.loanId = loan.id;
    facts.set(loan.id, loan);
    const refusal = loanRefusal(loan);
    if (refusal) line.errors.unshift(refusal);
    if (line.paidOn) {
      if (line.paidOn.getTime() > today) line.errors.push(`The date ${isoDate(line.paidOn)} is in the future.`);
      else if (loan.disbursedAt && line.paidOn.getTime() < startOfDayUtc(loan.disbursedAt).getTime()) {
        line.errors.push(`The date ${isoDate(line.paidOn)} is before loan ${loan.reference} was disbursed (${isoDate(loan.disbursedAt)}).`);
      }
    }
    if (line.amountText) {
      const minor = amountInMinor(line.amountText, loan.currency);
      if (minor.ok) line.localAmount = minor.minor;
      else line.errors.push(minor.message);
    }
    if (line.fxRate) {
      const slip = rateSlipMessage(Number(line.fxRate), loan.fxRate, loan.currency);
      if (slip) line.errors.push(slip);
    }
  }

  const candidates = lines.filter((l) => l.errors.length === 0);
  await markAlreadyRecorded(partner.id, candidates, facts, uploadId);

  const firstSeen = new Map<string, number>();
  const paidInFile = new Map<string, { amount: bigint; lines: number }>();
  for (const line of candidates) {
    if (line.errors.length > 0) continue;
    const loan = facts.get(line.loanId!)!;
    const key = `${loan.id}|${isoDate(line.paidOn!)}|${line.localAmount}`;
    const earlier = firstSeen.get(key);
    if (earlier !== undefined) {
      line.errors.push(`This repeats line ${earlier} (same loan, date and amount). If the borrower really paid twice that day, put the total on one line.`);
      continue;
    }
    firstSeen.set(key, line.lineNo);
    const before = paidInFile.get(loan.id) ?? { amount: 0n, lines: 0 };
    const left = loan.owedLocal - before.amount;
    if (line.localAmount! > left) {
      line.errors.push(
        before.lines === 0 || line.localAmount! > loan.owedLocal
          ? `That is more than the ${formatMoney(loan.owedLocal, loan.currency)} still owed on loan ${loan.reference}.`
          : `That is more than is still owed on loan ${loan.reference}: ${formatMoney(loan.owedLocal, loan.currency)} is owed and ` +
              `${before.lines === 1 ? "an earlier line of this file already repays" : `${before.lines} earlier lines of this file already repay`} ${formatMoney(before.amount, loan.currency)} of it.`,
      );
      continue;
    }
    paidInFile.set(loan.id, { amount: before.amount + line.localAmount!, lines: before.lines + 1 });
  }
  return lines;
}

/** A line that matches a repayment already recorded (by form or another file) would pay lenders twice. */
async function markAlreadyRecorded(partnerId: string, lines: Line[], facts: Map<string, LoanFacts>, uploadId: string | null) {
  if (lines.length === 0) return;
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `SELECT DISTINCT ON (r.loan_id, r.paid_on, r.local_amount) r.loan_id, r.paid_on, r.local_amount, r.created_at, r.upload_id
       FROM repayments r
       JOIN unnest($2::text[], $3::date[], $4::bigint[]) AS t(loan_id, paid_on, amount)
         ON r.loan_id = t.loan_id AND r.paid_on = t.paid_on AND r.local_amount = t.amount
      WHERE r.partner_id = $1 AND r.upload_id IS DISTINCT FROM $5
      ORDER BY r.loan_id, r.paid_on, r.local_amount, r.created_at`,
    partnerId,
    lines.map((l) => l.loanId!),
    lines.map((l) => isoDate(l.paidOn!)),
    lines.map((l) => l.localAmount!.toString()),
    uploadId,
  )) as Row[];
  if (rows.length === 0) return;
  const seen = new Map(rows.map((r) => [`${r.loan_id as string}|${isoDate(asDate(r.paid_on))}|${big(r.local_amount)}`, r]));
  for (const line of lines) {
    const match = seen.get(`${line.loanId}|${isoDate(line.paidOn!)}|${line.localAmount}`);
    if (!match) continue;
    const loan = facts.get(line.loanId!)!;
    line.errors.push(
      `Already recorded: ${formatMoney(line.localAmount!, loan.currency)} paid on ${isoDate(line.paidOn!)} for loan ${loan.reference} ` +
        `was recorded on ${isoDate(asDate(match.created_at))}${match.upload_id ? " from another file" : ""}. ` +
        "Remove this line; if it is a second payment that day, record it on the loan's page.",
    );
  }
}

// ---------------------------------------------------------------------------
// Uploading

export type UploadResult = {
  uploadId: string;
  /** new: first time; checked_again: the same file, not yet posted, checked again; posting / posted: the same file, already confirmed. */
  outcome: "new" | "checked_again" | "posting" | "posted";
};

async function writeLines(tx: DbTx, uploadId: string, lines: Line[]) {
  const CHUNK = 5_000;
  for (let from = 0; from < lines.length; from += CHUNK) {
    const chunk = lines.slice(from, from + CHUNK);
    await tx.$executeRawUnsafe(
      `INSERT INTO repayment_upload_lines (upload_id, line_no, raw, loan_id, paid_on, local_amount, fx_rate, error)
       SELECT $1, n, r, l, d::date, a, x::numeric, e
         FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[]) AS t(n, r, l, d, a, x, e)`,
      uploadId,
      chunk.map((l) => l.lineNo),
      chunk.map((l) => l.raw),
      chunk.map((l) => l.loanId),
      chunk.map((l) => (l.paidOn ? isoDate(l.paidOn) : null)),
      chunk.map((l) => (l.localAmount === null ? null : l.localAmount.toString())),
      chunk.map((l) => l.fxRate),
      chunk.map((l) => (l.errors.length ? l.errors.join(" ") : null)),
    );
  }
}

/**
 * Reads, checks and stores a file of repayments; posts nothing. A file that
 * cannot be read at all (not CSV, columns missing, too big) is an
 * UploadError and stores nothing.
 */
export async function uploadRepayments(input: { partnerId: string; userId: string; fileName: string; bytes: Uint8Array; now?: Date }): Promise<UploadResult> {
  const text = decodeUpload(input.bytes);
  const hash = crypto.createHash("sha256").update(input.bytes).digest("hex");
  const db = await getDb();
  const partner = await db.partner.findUnique({ where: { id: input.partnerId }, select: { id: true, name: true } });
  if (!partner) throw new UploadError("No such partner.");
  const existing = await db.repaymentUpload.findUnique({ where: { partnerId_fileHash: { partnerId: partner.id, fileHash: hash } }, select: { id: true, status: true } });
  if (existing && existing.status !== "validated") return { uploadId: existing.id, outcome: existing.status as "posting" | "posted" };

  const { header, rows, columns } = readRecords(text);
  const lines = await checkLines(partner, rows, columns, header.fields.length, existing?.id ?? null, input.now ?? new Date());
  const errorCount = lines.filter((l) => l.errors.length > 0).length;
  const fileName = truncate(input.fileName.trim() || "repayments.csv", 200);

  return inTransaction(async (tx) => {
    if (existing) {
      // Checked again: loans change (a disbursement recorded, a repayment by form), and today moves on.
      const locked = (await tx.$queryRawUnsafe(`SELECT status FROM repayment_uploads WHERE id = $1 FOR UPDATE`, existing.id)) as Row[];
      const status = locked[0]!.status as string;
      if (status !== "validated") return { uploadId: existing.id, outcome: status as "posting" | "posted" };
      await tx.$executeRawUnsafe(`DELETE FROM repayment_upload_lines WHERE upload_id = $1`, existing.id);
      await writeLines(tx, existing.id, lines);
      await tx.$executeRawUnsafe(
        `UPDATE repayment_uploads SET line_count = $2, ok_count = $3, error_count = $4 WHERE id = $1`,
        existing.id,
        lines.length,
        lines.length - errorCount,
        errorCount,
      );
      return { uploadId: existing.id, outcome: "checked_again" };
    }
    const id = crypto.randomUUID();
    const inserted = (await tx.$queryRawUnsafe(
      `INSERT INTO repayment_uploads (id, partner_id, file_hash, file_name, uploaded_by_id, line_count, ok_count, error_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (partner_id, file_hash) DO NOTHING RETURNING id`,
      id,
      partner.id,
      hash,
      fileName,
      input.userId,
      lines.length,
      lines.length - errorCount,
      errorCount,
    )) as Row[];
    if (inserted.length === 0) {
      // The same file in another tab, a moment earlier: that upload is this one.
      const other = (await tx.$queryRawUnsafe(`SELECT id, status FROM repayment_uploads WHERE partner_id = $1 AND file_hash = $2`, partner.id, hash)) as Row[];
      const status = other[0]!.status as string;
      return { uploadId: other[0]!.id as string, outcome: status === "validated" ? "checked_again" : (status as "posting" | "posted") };
    }
    await writeLines(tx, id, lines);
    return { uploadId: id, outcome: "new" };
  });
}

// ---------------------------------------------------------------------------
// Posting

class LineRefused extends Error {
  constructor(
    readonly lineNo: number,
    readonly reason: RepaymentError,
  ) {
    super(reason.message);
  }
}

type Run = { phase: "recording" | "distributing"; done: Promise<void> };
// Per server process: what this process is doing for an upload right now, for
// the page. The database holds everything that must survive a restart.
const runs = new Map<string, Run>();
const failures = new Map<string, string>();

/**
 * Records every good line in one transaction, which first moves the upload
 * from validated to posting: a second confirm (another tab, a double click,
 * another server) finds it no longer validated and records nothing. A line
 * that recording refuses (the loan changed since the check) undoes it all.
 */
export async function recordUpload(partnerId: string, uploadId: string, userId: string | null): Promise<"recorded" | "not_validated" | { refusedLine: number; message: string }> {
  try {
    return await inTransaction(async (tx) => {
      const claimed = (await tx.$queryRawUnsafe(
        `UPDATE repayment_uploads SET status = 'posting' WHERE id = $1 AND partner_id = $2 AND status = 'validated' AND error_count = 0 AND ok_count > 0 RETURNING id`,
        uploadId,
        partnerId,
      )) as Row[];
      if (claimed.length === 0) return "not_validated" as const;
      const rows = (await tx.$queryRawUnsafe(
        `SELECT line_no, loan_id, paid_on, local_amount, fx_rate::text AS fx_rate FROM repayment_upload_lines WHERE upload_id = $1 AND error IS NULL ORDER BY line_no`,
        uploadId,
      )) as Row[];
      const inputs: RepaymentInput[] = rows.map((r) => ({
        partnerId,
        loanId: r.loan_id as string,
        requestKey: uploadRequestKey(uploadId, Number(r.line_no)),
        paidOn: asDate(r.paid_on),
        localAmount: big(r.local_amount),
        fxRate: trimRate(r.fx_rate as string),
        recordedById: userId,
      }));
      await recordRepayments(tx, inputs, {
        uploadId,
        onError: (index, error) => {
          throw new LineRefused(Number(rows[index]!.line_no), error);
        },
      });
      return "recorded" as const;
    });
  } catch (error) {
    if (!(error instanceof LineRefused)) throw error;
    const message = `Refused when posting, so nothing was posted: ${error.reason.message}`;
    await inTransaction(async (tx) => {
      const marked = await tx.$executeRawUnsafe(
        `UPDATE repayment_upload_lines SET error = $3 WHERE upload_id = $1 AND line_no = $2 AND error IS NULL`,
        uploadId,
        error.lineNo,
        message,
      );
      if (marked > 0) {
        await tx.$executeRawUnsafe(`UPDATE repayment_uploads SET error_count = error_count + 1, ok_count = ok_count - 1 WHERE id = $1`, uploadId);
      }
    });
    return { refusedLine: error.lineNo, message };
  }
}

/** "129.50000000" as stored → "129.5", the rate as the partner wrote it (numerically). */
function trimRate(rate: string): string {
  return rate.includes(".") ? rate.replace(/0+$/, "").replace(/\.$/, "") : rate;
}

/** An upload whose repayments are all distributed is posted. For the page, the periodic job and the end of a run. */
export async function settleUploads(uploadId?: string): Promise<number> {
  const db = await getDb();
  return db.$executeRawUnsafe(
    `UPDATE repayment_uploads u SET status = 'posted', posted_count = u.ok_count, posted_at = now()
      WHERE u.status = 'posting' ${uploadId ? "AND u.id = $1" : ""}
        AND NOT EXISTS (SELECT 1 FROM repayments r WHERE r.upload_id = u.id AND r.status = 'recorded')`,
    ...(uploadId ? [uploadId] : []),
  );
}

/** Repayments per distribution transaction: fewer, larger transactions finish a big file sooner; progress moves every batch. */
const DISTRIBUTE_BATCH = 500;

/** Distributes an upload's recorded repayments, keeping posted_count up to date, then settles it. */
export async function distributeUpload(uploadId: string): Promise<void> {
  const db = await getDb();
  let reported = 0;
  await distributePending({
    uploadId,
    batch: DISTRIBUTE_BATCH,
    onProgress: async (done) => {
      await db.$executeRawUnsafe(`UPDATE repayment_uploads SET posted_count = LEAST(ok_count, posted_count + $2) WHERE id = $1`, uploadId, done - reported);
      reported = done;
      // PGlite runs each query synchronously and resolves it as a microtask, so a
      // chain of batches never lets timers or requests in: without this turn of
      // the event loop the progress page would wait for the whole file.
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
  await settleUploads(uploadId);
}

function startRun(uploadId: string, phase: Run["phase"], work: (run: Run) => Promise<void>): Run {
  const existing = runs.get(uploadId);
  if (existing) return existing;
  failures.delete(uploadId);
  const run: Run = { phase, done: Promise.resolve() };
  run.done = work(run)
    .catch((error: unknown) => {
      failures.set(uploadId, (error as Error).message);
      console.warn(`mavuno: posting upload ${uploadId} failed: ${(error as Error).stack ?? String(error)}`);
    })
    .finally(() => runs.delete(uploadId));
  runs.set(uploadId, run);
  return run;
}

export type ConfirmOutcome = "started" | "posting" | "posted";

/**
 * The partner's go-ahead. Returns at once; the posting runs in this server
 * process (`postingFinished` waits for it).
 */
export async function confirmUpload(input: { partnerId: string; uploadId: string; userId: string }): Promise<ConfirmOutcome> {
  const db = await getDb();
  const upload = await db.repaymentUpload.findFirst({
    where: { id: input.uploadId, partnerId: input.partnerId },
    select: { status: true, errorCount: true, okCount: true },
  });
  if (!upload) throw new UploadError("No such upload.", "");
  if (upload.status === "posted") return "posted";
  if (upload.status === "posting") {
    resumeDistribution(input.uploadId);
    return "posting";
  }
  if (upload.errorCount > 0) {
    throw new UploadError(
      `Nothing was posted: ${upload.errorCount === 1 ? "one line is" : `${upload.errorCount.toLocaleString("en-US")} lines are`} wrong. ` +
        "Fix them in your file and upload it again; then confirm.",
      "",
    );
  }
  if (upload.okCount === 0) throw new UploadError("This upload has no repayments to post.", "");
  startRun(input.uploadId, "recording", async (run) => {
    const recorded = await recordUpload(input.partnerId, input.uploadId, input.userId);
    if (recorded !== "recorded") return;
    run.phase = "distributing";
    await distributeUpload(input.uploadId);
  });
  return "started";
}

/** Picks up an upload whose distribution stopped (a restart) without waiting for the periodic job. */
function resumeDistribution(uploadId: string) {
  startRun(uploadId, "distributing", () => distributeUpload(uploadId));
}

/** Resolves when this process has finished what it was doing for the upload. */
export async function postingFinished(uploadId: string): Promise<void> {
  await runs.get(uploadId)?.done;
}

// ---------------------------------------------------------------------------
// Reading uploads back

export type UploadStatus = "validated" | "recording" | "posting" | "posted";

export type UploadSummary = {
  id: string;
  fileName: string;
  status: UploadStatus;
  lineCount: number;
  okCount: number;
  errorCount: number;
  postedCount: number;
  createdAt: Date;
  postedAt: Date | null;
  uploadedBy: string | null;
};

export async function listUploads(partnerId: string, limit = 20): Promise<UploadSummary[]> {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `SELECT u.id, u.file_name, u.status, u.line_count, u.ok_count, u.error_count, u.posted_count, u.created_at, u.posted_at, us.name AS uploaded_by
       FROM repayment_uploads u LEFT JOIN users us ON us.id = u.uploaded_by_id
      WHERE u.partner_id = $1 ORDER BY u.created_at DESC, u.id LIMIT $2`,
    partnerId,
    limit,
  )) as Row[];
  return rows.map(summary);
}

function summary(r: Row): UploadSummary {
  const id = r.id as string;
  const stored = r.status as string;
  return {
    id,
    fileName: r.file_name as string,
    status: stored === "validated" && runs.get(id)?.phase === "recording" ? "recording" : (stored as UploadStatus),
    lineCount: Number(r.line_count),
    okCount: Number(r.ok_count),
    errorCount: Number(r.error_count),
    postedCount: Number(r.posted_count),
    createdAt: asDate(r.created_at),
    postedAt: r.posted_at ? asDate(r.posted_at) : null,
    uploadedBy: (r.uploaded_by as string | null) ?? null,
  };
}

export const REPORT_PAGE_SIZE = 100;

export type BadLine = { lineNo: number; raw: string; error: string };
export type GoodLine = {
  lineNo: number;
  reference: string;
  paidOn: string;
  currency: string;
  localAmount: string;
  fxRate: string;
  /** Once posted: what the lenders received and the FX loss, US cents. */
  usdCents: string | null;
  fxLossCents: string | null;
};

async function ownUpload(partnerId: string, uploadId: string): Promise<UploadSummary | null> {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `SELECT u.id, u.file_name, u.status, u.line_count, u.ok_count, u.error_count, u.posted_count, u.created_at, u.posted_at, us.name AS uploaded_by
       FROM repayment_uploads u LEFT JOIN users us ON us.id = u.uploaded_by_id
      WHERE u.id = $1 AND u.partner_id = $2`,
    uploadId,
    partnerId,
  )) as Row[];
  return rows[0] ? summary(rows[0]) : null;
}

const pageOf = (page: number, total: number) => {
  const pages = Math.max(1, Math.ceil(total / REPORT_PAGE_SIZE));
  return { page: Math.min(Math.max(1, Math.trunc(page) || 1), pages), pages };
};

/**
 * An upload's report: counts, a page of its bad lines and a page of its good
 * ones. While posting, progress is counted from the repayments themselves, so
 * it is right whoever distributes them.
 */
export async function uploadReport(partnerId: string, uploadId: string, pages: { errors?: number; ok?: number } = {}) {
  let upload = await ownUpload(partnerId, uploadId);
  if (!upload) return null;
  const db = await getDb();
  if (upload.status === "posting") {
    const counts = (await db.$queryRawUnsafe(
      `SELECT COUNT(*) FILTER (WHERE status = 'distributed')::int AS distributed, COUNT(*) FILTER (WHERE status = 'recorded')::int AS recorded
         FROM repayments WHERE upload_id = $1`,
      uploadId,
    )) as Row[];
    const recorded = Number(counts[0]!.recorded);
    if (recorded === 0) {
      await settleUploads(uploadId);
      upload = (await ownUpload(partnerId, uploadId))!;
    } else {
      upload.postedCount = Number(counts[0]!.distributed);
      if (!runs.has(uploadId)) resumeDistribution(uploadId);
    }
  }
  const errorPage = pageOf(pages.errors ?? 1, upload.errorCount);
  const okPage = pageOf(pages.ok ?? 1, upload.okCount);
  const [bad, good, totals] = await Promise.all([
    db.$queryRawUnsafe(
      `SELECT line_no, raw, error FROM repayment_upload_lines WHERE upload_id = $1 AND error IS NOT NULL ORDER BY line_no LIMIT $2 OFFSET $3`,
      uploadId,
      REPORT_PAGE_SIZE,
      (errorPage.page - 1) * REPORT_PAGE_SIZE,
    ) as Promise<Row[]>,
    db.$queryRawUnsafe(
      `SELECT ul.line_no, l.reference, ul.paid_on, l.local_currency, ul.local_amount, ul.fx_rate::text AS fx_rate, r.usd_cents, r.fx_loss_cents
         FROM repayment_upload_lines ul
         JOIN loans l ON l.id = ul.loan_id
         LEFT JOIN repayments r ON r.partner_id = $4 AND r.request_key = 'upload:' || ul.upload_id || ':' || ul.line_no AND r.status = 'distributed'
        WHERE ul.upload_id = $1 AND ul.error IS NULL ORDER BY ul.line_no LIMIT $2 OFFSET $3`,
      uploadId,
      REPORT_PAGE_SIZE,
      (okPage.page - 1) * REPORT_PAGE_SIZE,
      partnerId,
    ) as Promise<Row[]>,
    db.$queryRawUnsafe(
      `SELECT l.local_currency, COUNT(DISTINCT ul.loan_id)::int AS loans, SUM(ul.local_amount)::text AS amount
         FROM repayment_upload_lines ul JOIN loans l ON l.id = ul.loan_id
        WHERE ul.upload_id = $1 AND ul.error IS NULL GROUP BY l.local_currency ORDER BY l.local_currency`,
      uploadId,
    ) as Promise<Row[]>,
  ]);
  return {
    upload,
    failure: failures.get(uploadId) ?? null,
    totals: totals.map((t) => ({ currency: (t.local_currency as string).trim(), loans: Number(t.loans), amount: t.amount as string })),
    errors: {
      ...errorPage,
      lines: bad.map((r): BadLine => ({ lineNo: Number(r.line_no), raw: r.raw as string, error: r.error as string })),
    },
    ok: {
      ...okPage,
      lines: good.map(
        (r): GoodLine => ({
          lineNo: Number(r.line_no),
          reference: r.reference as string,
          paidOn: isoDate(asDate(r.paid_on)),
          currency: (r.local_currency as string).trim(),
          localAmount: String(r.local_amount),
          fxRate: trimRate(r.fx_rate as string),
          usdCents: r.usd_cents === null || r.usd_cents === undefined ? null : String(r.usd_cents),
          fxLossCents: r.fx_loss_cents === null || r.fx_loss_cents === undefined ? null : String(r.fx_loss_cents),
        }),
      ),
    },
  };
}

export type UploadReport = NonNullable<Awaited<ReturnType<typeof uploadReport>>>;
