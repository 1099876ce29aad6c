import { describe, expect, it } from "vitest";
import { getBalance, verifyLedger, walletAccount } from "~/models/ledger.server.ts";
import {
  confirmUpload,
  postingFinished,
  recordUpload,
  settleUploads,
  uploadRepayments,
  uploadReport,
  type UploadError,
} from "~/models/repayment-upload.server.ts";
import { distributePending, isoDate, recordRepayment } from "~/models/repayment.server.ts";
import * as reportRoute from "~/routes/portal.$partnerId.repayments.uploads.$uploadId.tsx";
import * as uploadRoute from "~/routes/portal.$partnerId.repayments.upload.tsx";
import { getDb } from "~/utils/db.server.ts";
import { makeClient, makeLoan, makeMembership, makeUser } from "../factories/index.ts";
import { disbursedLoan } from "../factories/repayments.ts";
import { BASE, formRequest, getRequest, run, sessionCookieFor } from "../support/requests.ts";

const DAY = 86_400_000;
const day = (offset: number) => isoDate(new Date(Date.now() + offset * DAY));
const HEADER = "loan reference,date,local amount,rate";
const csv = (rows: readonly (readonly string[])[], header = HEADER) => `${[header, ...rows.map((r) => r.join(","))].join("\r\n")}\r\n`;
const bytes = (text: string) => new TextEncoder().encode(text);
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as UploadError);

type Fn = Parameters<typeof run>[0];
const L = (m: { loader?: unknown }) => m.loader as Fn;
const A = (m: { action?: unknown }) => m.action as Fn;

async function wallets(lenders: readonly { id: string }[]) {
  return Promise.all(lenders.map((l) => getBalance(walletAccount(l.id), "USD")));
}

async function repaymentsOf(uploadId: string) {
  const db = await getDb();
  return db.repayment.findMany({ where: { uploadId }, orderBy: { requestKey: "asc" } });
}

async function upload(partnerId: string, userId: string, text: string, fileName = "repayments.csv") {
  return uploadRepayments({ partnerId, userId, fileName, bytes: bytes(text) });
}

async function confirmAndWait(partnerId: string, uploadId: string, userId: string) {
  const outcome = await confirmUpload({ partnerId, uploadId, userId });
  await postingFinished(uploadId);
  return outcome;
}

function multipart(path: string, file: Blob | null, cookie: string, fileName = "repayments.csv") {
  const form = new FormData();
  if (file) form.set("file", new File([file], fileName, { type: "text/csv" }));
  return new Request(`${BASE}${path}`, { method: "POST", body: form, headers: { Cookie: cookie } });
}

describe("a file with good and bad lines", () => {
  it("reports every bad line with its number and why, posts nothing until confirmed, then credits the lenders once", async () => {
    const one = await disbursedLoan({ shares: [2, 1, 1] }); // $100 = KES 12,950.00 at 129.5
    const { partner, officer } = one;
    const two = await disbursedLoan({ shares: [1, 1], partnerId: partner.id }); // $50 = KES 6,475.00
    const elsewhere = await disbursedLoan({ shares: [1] }); // another partner's loan
    const db = await getDb();
    const client = await makeClient(db, { partnerId: partner.id });
    const fundraising = await makeLoan(db, { partnerId: partner.id, clientId: client.id, amountUsdCents: 5_000 });
    const L1 = one.loan.reference;
    const L2 = two.loan.reference;
    const disbursed = isoDate(one.loan.disbursedAt!);

    const text = csv([
      [L1, day(-1), "1500.50", "129.5"], // 2 fine
      [L2, day(-2), "1000", "130"], // 3 fine
      ["MV-NOPE-1", day(-1), "100", "129.5"], // 4
      [elsewhere.loan.reference, day(-1), "100", "129.5"], // 5
      [fundraising.reference, day(-1), "100", "129.5"], // 6
      [L1, day(3), "100", "129.5"], // 7
      [L1, isoDate(new Date(one.loan.disbursedAt!.getTime() - 3 * DAY)), "100", "129.5"], // 8
      [L1, day(-1), "abc", "129.5"], // 9
      [L1, day(-1), "0", "129.5"], // 10
      [L1, day(-1), "-5", "129.5"], // 11
      [L1, day(-1), "99999999", "129.5"], // 12
      [L1, day(-1), '"1,500.50"', "129.5"], // 13
      [L1, day(-1), "100", "abc"], // 14
      [L1, day(-1), "100", "12950"], // 15
      [L1, day(-1), "1500.50", "129.5"], // 16 repeats 2
      [L2, day(-1), "6500", "130"], // 17 with line 3, more than owed
      [L1, day(-1), "1,500.50", "129.5"], // 18 unquoted thousands separator
      [L1, "15/03/2026", "100", "129.5"], // 19
      [L1, day(-1), "10.555", "129.5"], // 20
    ]);
    const first = await upload(partner.id, officer.id, text, "march.csv");
    expect(first.outcome).toBe("new");

    const report = (await uploadReport(partner.id, first.uploadId))!;
    expect(report.upload).toMatchObject({ fileName: "march.csv", status: "validated", lineCount: 19, okCount: 2, errorCount: 17 });
    const why = Object.fromEntries(report.errors.lines.map((l) => [l.lineNo, l.error]));
    expect(Object.keys(why).map(Number)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(why[4]).toBe(`There is no loan MV-NOPE-1 at ${partner.name}.`);
    // Another partner's loan reads exactly like an unknown one: its existence is not theirs to learn.
    expect(why[5]).toBe(`There is no loan ${elsewhere.loan.reference} at ${partner.name}.`);
    expect(why[6]).toMatch(new RegExp(`^Loan ${fundraising.reference} is fundraising: repayments can be recorded only once it is disbursed`));
    expect(why[7]).toBe(`The date ${day(3)} is in the future.`);
    expect(why[8]).toMatch(new RegExp(`is before loan ${L1} was disbursed \\(${disbursed}\\)`));
    expect(why[9]).toMatch(/“abc” is not a number/);
    expect(why[10]).toMatch(/must be more than zero/);
    expect(why[11]).toMatch(/cannot be negative/);
    expect(why[12]).toMatch(new RegExp(`^That is more than the KES[\\s\\d,.]+ still owed on loan ${L1}\\.$`));
    expect(why[13]).toBe("Write the amount without thousands separators: 1500.50, not 1,500.50.");
    expect(why[14]).toMatch(/rate must be a number such as 129.50/);
    expect(why[15]).toMatch(/The rate 12950 is far from the 129.5 KES per US dollar/);
    expect(why[16]).toMatch(/^This repeats line 2 \(same loan, date and amount\)/);
    expect(why[17]).toMatch(new RegExp(`more than is still owed on loan ${L2}: KES[\\s\\d,.]+ is owed and an earlier line of this file already repays KES[\\s\\d,.]*1,000.00`));
    expect(why[18]).toMatch(/has 5 values but the first line names 4 columns.*1500.50, not 1,500.50/);
    expect(why[19]).toMatch(/Write the date as YYYY-MM-DD \(year first\).*not 15\/03\/2026/);
    expect(why[20]).toBe("KES amounts have at most 2 decimal places.");
    expect(report.errors.lines.find((l) => l.lineNo === 18)!.raw).toBe(`${L1},${day(-1)},1,500.50,129.5`);
    expect(report.ok.lines.map((l) => [l.lineNo, l.reference, l.localAmount, l.fxRate, l.usdCents])).toEqual([
      [2, L1, "150050", "129.5", null],
      [3, L2, "100000", "130", null],
    ]);
    expect(report.totals).toEqual([{ currency: "KES", loans: 2, amount: "250050" }]);

    // Nothing posted, and nothing can be while a line is wrong.
    const refused = await failure(confirmUpload({ partnerId: partner.id, uploadId: first.uploadId, userId: officer.id }));
    expect(refused?.message).toMatch(/^Nothing was posted: 17 lines are wrong\. Fix them in your file and upload it again/);
    expect(await repaymentsOf(first.uploadId)).toHaveLength(0);
    expect(await wallets([...one.lenders, ...two.lenders])).toEqual([0n, 0n, 0n, 0n, 0n]);

    // The partner fixes the file: a new file, a new upload, all fine.
    const fixed = await upload(partner.id, officer.id, csv([[L1, day(-1), "1500.50", "129.5"], [L2, day(-2), "1000", "130"]]), "march-fixed.csv");
    expect(fixed.outcome).toBe("new");
    expect((await uploadReport(partner.id, fixed.uploadId))!.upload).toMatchObject({ okCount: 2, errorCount: 0, status: "validated" });
    expect(await repaymentsOf(fixed.uploadId)).toHaveLength(0);

    expect(await confirmAndWait(partner.id, fixed.uploadId, officer.id)).toBe("started");
    const posted = (await uploadReport(partner.id, fixed.uploadId))!;
    expect(posted.upload).toMatchObject({ status: "posted", postedCount: 2 });
    const repayments = await repaymentsOf(fixed.uploadId);
    expect(repayments.map((r) => [r.requestKey, r.status, r.localAmount, r.recordedById])).toEqual([
      [`upload:${fixed.uploadId}:2`, "distributed", 150050n, officer.id],
      [`upload:${fixed.uploadId}:3`, "distributed", 100000n, officer.id],
    ]);
    const [p1, p2] = repayments;
    const after = await wallets([...one.lenders, ...two.lenders]);
    expect(after[0]! + after[1]! + after[2]!).toBe(p1!.usdCents);
    expect(after[3]! + after[4]!).toBe(p2!.usdCents);
    expect(after.every((cents) => cents > 0n)).toBe(true);
    expect(posted.ok.lines.map((l) => l.usdCents)).toEqual([String(p1!.usdCents), String(p2!.usdCents)]);
    expect((await verifyLedger()).ok).toBe(true);

    // The same file again: the same upload, already posted; nothing moves.
    const again = await upload(partner.id, officer.id, csv([[L1, day(-1), "1500.50", "129.5"], [L2, day(-2), "1000", "130"]]), "renamed.csv");
    expect(again).toEqual({ uploadId: fixed.uploadId, outcome: "posted" });
    expect(await confirmAndWait(partner.id, fixed.uploadId, officer.id)).toBe("posted");
    expect(await repaymentsOf(fixed.uploadId)).toHaveLength(2);
    expect(await wallets([...one.lenders, ...two.lenders])).toEqual(after);
    expect((await verifyLedger()).ok).toBe(true);

    // A different file repeating a posted line is caught before anything is posted twice.
    const overlap = await upload(partner.id, officer.id, csv([[L1, day(-1), "1500.50", "129.5"], [L1, day(-1), "200", "129.5"]]));
    const overlapReport = (await uploadReport(partner.id, overlap.uploadId))!;
    expect(overlapReport.errors.lines.map((l) => [l.lineNo, l.error])).toEqual([
      [2, expect.stringMatching(new RegExp(`^Already recorded: KES[\\s\\d,.]*1,500.50 paid on ${day(-1)} for loan ${L1} was recorded on ${day(0)} from another file`))],
    ]);
  });

  it("checks a file again when it is uploaded again before posting", async () => {
    const { loan, partner, officer } = await disbursedLoan({ shares: [1, 1] });
    const text = csv([[loan.reference, day(-1), "700", "129.5"]]);
    const first = await upload(partner.id, officer.id, text);
    expect((await uploadReport(partner.id, first.uploadId))!.upload.errorCount).toBe(0);
    // Meanwhile the same payment is entered with the single-repayment form.
    await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: "form-1-abcdefgh", paidOn: new Date(`${day(-1)}T00:00:00Z`), localAmount: 70_000n, fxRate: "129.5" });
    const second = await upload(partner.id, officer.id, text);
    expect(second).toEqual({ uploadId: first.uploadId, outcome: "checked_again" });
    const report = (await uploadReport(partner.id, first.uploadId))!;
    expect(report.upload).toMatchObject({ okCount: 0, errorCount: 1 });
    expect(report.errors.lines[0]!.error).toMatch(/^Already recorded: .* was recorded on \d{4}-\d{2}-\d{2}\. Remove this line/);
  });
});

describe("posting", () => {
  it("posts once when confirmed twice at the same moment (two tabs, a double click)", async () => {
    const { loan, partner, officer, lenders } = await disbursedLoan({ shares: [3, 2] });
    const rows = Array.from({ length: 30 }, (_, i) => [loan.reference, day(-40 + i), `${100 + i}.25`, "129.5"]);
    const { uploadId } = await upload(partner.id, officer.id, csv(rows));
    const outcomes = await Promise.all([
      confirmUpload({ partnerId: partner.id, uploadId, userId: officer.id }),
      confirmUpload({ partnerId: partner.id, uploadId, userId: officer.id }),
      recordUpload(partner.id, uploadId, officer.id),
    ]);
    await postingFinished(uploadId);
    expect(outcomes.filter((o) => o === "recorded").length).toBeLessThanOrEqual(1);
    await distributePending({ uploadId });
    const report = (await uploadReport(partner.id, uploadId))!;
    expect(report.upload).toMatchObject({ status: "posted", postedCount: 30 });
    const repayments = await repaymentsOf(uploadId);
    expect(repayments).toHaveLength(30);
    expect(new Set(repayments.map((r) => r.requestKey)).size).toBe(30);
    const total = repayments.reduce((sum, r) => sum + r.usdCents, 0n);
    const [a, b] = await wallets(lenders);
    expect(a! + b!).toBe(total);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("goes back to checked, with the refused line shown and nothing posted, when a loan changed since the check", async () => {
    const { loan, partner, officer, lenders } = await disbursedLoan({ shares: [1, 1] });
    const db = await getDb();
    const ok = await disbursedLoan({ shares: [1], partnerId: partner.id });
    const { uploadId } = await upload(partner.id, officer.id, csv([[ok.loan.reference, day(-2), "500", "129.5"], [loan.reference, day(-1), "3000", "129.5"]]));
    // A repayment by form leaves less owed than the file's line 3 pays.
    const owed = await db.loanInstalment.aggregate({ where: { loanId: loan.id }, _sum: { principal: true, interest: true } });
    const almostAll = owed._sum.principal! + owed._sum.interest! - 100_00n;
    await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: "form-2-abcdefgh", paidOn: new Date(`${day(-3)}T00:00:00Z`), localAmount: almostAll, fxRate: "129.5" });
    const before = await wallets([...lenders, ...ok.lenders]);

    expect(await confirmAndWait(partner.id, uploadId, officer.id)).toBe("started");
    const report = (await uploadReport(partner.id, uploadId))!;
    expect(report.upload).toMatchObject({ status: "validated", okCount: 1, errorCount: 1 });
    expect(report.errors.lines).toEqual([
      { lineNo: 3, raw: `${loan.reference},${day(-1)},3000,129.5`, error: expect.stringMatching(/^Refused when posting, so nothing was posted: That is more than the KES[\s\d,.]*100.00 still owed/) },
    ]);
    expect(await repaymentsOf(uploadId)).toHaveLength(0);
    expect(await wallets([...lenders, ...ok.lenders])).toEqual(before);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("reaches posted after the server died mid-way: the job distributes what was recorded, and the page counts from the repayments", async () => {
    const { loan, partner, officer, lenders } = await disbursedLoan({ shares: [2, 2] });
    const rows = Array.from({ length: 12 }, (_, i) => [loan.reference, day(-30 + i), `${200 + i}`, "129.5"]);
    const { uploadId } = await upload(partner.id, officer.id, csv(rows));
    // Recorded, then the process died before distributing: what a crash between the two steps leaves.
    expect(await recordUpload(partner.id, uploadId, officer.id)).toBe("recorded");
    expect((await repaymentsOf(uploadId)).every((r) => r.status === "recorded")).toBe(true);
    // The periodic job (or `npm run repayments:distribute`) after the restart:
    expect(await distributePending({})).toBeGreaterThanOrEqual(12);
    expect(await settleUploads()).toBeGreaterThanOrEqual(1);
    const db = await getDb();
    expect(await db.repaymentUpload.findUniqueOrThrow({ where: { id: uploadId } })).toMatchObject({ status: "posted", postedCount: 12 });
    const report = (await uploadReport(partner.id, uploadId))!;
    expect(report.upload).toMatchObject({ status: "posted", postedCount: 12 });
    const total = (await repaymentsOf(uploadId)).reduce((sum, r) => sum + r.usdCents, 0n);
    const [a, b] = await wallets(lenders);
    expect(a! + b!).toBe(total);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("the upload page itself picks up a distribution that stopped", async () => {
    const { loan, partner, officer } = await disbursedLoan({ shares: [1] });
    const rows = Array.from({ length: 5 }, (_, i) => [loan.reference, day(-10 + i), `${300 + i}`, "129.5"]);
    const { uploadId } = await upload(partner.id, officer.id, csv(rows));
    expect(await recordUpload(partner.id, uploadId, officer.id)).toBe("recorded");
    const seen = (await uploadReport(partner.id, uploadId))!;
    expect(seen.upload).toMatchObject({ status: "posting", okCount: 5, postedCount: 0 });
    // While posting, the page reloads itself (no JavaScript needed); once posted it stops.
    const meta = reportRoute.meta as unknown as (args: { data: unknown }) => Record<string, string>[];
    expect(meta({ data: seen })).toContainEqual({ httpEquiv: "refresh", content: "2" });
    await postingFinished(uploadId);
    const done = (await uploadReport(partner.id, uploadId))!;
    expect(done.upload).toMatchObject({ status: "posted", postedCount: 5 });
    expect(meta({ data: done }).some((tag) => "httpEquiv" in tag)).toBe(false);
  });
});

describe("the pages", () => {
  async function staff(partnerId: string, role: "admin" | "officer" | "coordinator") {
    const db = await getDb();
    const user = await makeUser(db);
    await makeMembership(db, { userId: user.id, partnerId, role });
    return sessionCookieFor(user.id);
  }

  it("refuse a bad file with a clear message, never a 500, and store nothing", async () => {
    const { loan, partner } = await disbursedLoan({ shares: [1] });
    const cookie = await staff(partner.id, "admin");
    const path = `/portal/${partner.id}/repayments/upload`;
    const params = { partnerId: partner.id };
    const send = async (body: Blob | null, name?: string) => {
      const response = await run(A(uploadRoute), multipart(path, body, cookie, name), params);
      return { status: response.status, body: (await response.json()) as { errors: { file: string[] } } };
    };
    const cases: [string, Blob | null, RegExp][] = [
      ["no file", null, /^Choose the CSV file with the repayments/],
      ["an empty file", new Blob([]), /^Choose the CSV file|^The file is empty/],
      ["blank lines only", new Blob(["\r\n\r\n"]), /^The file is empty/],
      ["a header only", new Blob([`${HEADER}\n`]), /^The file has its column names but no repayments/],
      ["a missing column", new Blob([`loan,amount\n${loan.reference},100\n`]), /^The file has no column for the date and rate\. Its first line must name the columns: loan reference, date, local amount, rate \(this file's first line names: “loan”, “amount”\)/],
      ["no header", new Blob([`${loan.reference},${day(-1)},100,129.5\n`]), /^The file has no column for the loan reference, date, local amount and rate/],
      ["two date columns", new Blob([`loan reference,date,paid on,amount,rate\n`]), /More than one column could be the date \(“date” and “paid on”\)/],
      ["an unclosed quote", new Blob([`${HEADER}\n${loan.reference},"${day(-1)},100,129.5\n`]), /^The file could not be read as CSV\. Line 2: a quoted value is never closed/],
      ["an Excel workbook", new Blob([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])]), /Excel or similar\), not a CSV file\. Save it as “CSV UTF-8/],
      ["a binary file", new Blob([new Uint8Array([1, 0, 2, 0, 3])]), /^This is not a text file/],
      ["more than 100,000 lines", new Blob([`${HEADER}\n${`${loan.reference},${day(-1)},1,129.5\n`.repeat(100_001)}`]), /more than 100,000 repayments\. Split it/],
      ["more than 10 MB", new Blob([`${HEADER}\n`, "x".repeat(10 * 1024 * 1024 + 1)]), /larger than 10 MB/],
    ];
    for (const [what, body, message] of cases) {
      const result = await send(body);
      expect(result.status, what).toBe(400);
      expect(result.body.errors.file.join(" "), what).toMatch(message);
    }
    const db = await getDb();
    expect(await db.repaymentUpload.count({ where: { partnerId: partner.id } })).toBe(0);
  });

  it("upload → report → confirm → posted, through the routes; coordinators and other partners' staff are kept out", async () => {
    const { loan, partner, lenders } = await disbursedLoan({ shares: [1, 1] });
    const officer = await staff(partner.id, "officer");
    const params = { partnerId: partner.id };
    // Spreadsheet habits: a byte-order mark, other column names and order, an extra column, semicolons, a lowercase reference.
    const text = `\uFEFFRate;Amount (KES);Paid on;Notes;Loan ref\r\n129.5;250.00;${day(-1)};cash;${loan.reference.toLowerCase()}\r\n;;;;\r\n`;
    const uploaded = await run(A(uploadRoute), multipart(`/portal/${partner.id}/repayments/upload`, new Blob([text]), officer), params);
    expect(uploaded.status).toBe(302);
    const location = uploaded.headers.get("Location")!;
    const uploadId = /\/repayments\/uploads\/([^?]+)$/.exec(location)![1]!;

    const page = await run(L(reportRoute), getRequest(location, officer), { ...params, uploadId });
    const data = (await page.json()) as Awaited<ReturnType<typeof uploadReport>> & { upload: { createdAt: string } };
    expect(data!.upload).toMatchObject({ status: "validated", lineCount: 1, okCount: 1, errorCount: 0 });
    expect(data!.ok.lines[0]).toMatchObject({ lineNo: 2, reference: loan.reference, localAmount: "25000" });

    // Coordinators watch group health, not money; other partners' staff see nothing of it.
    const coordinator = await staff(partner.id, "coordinator");
    expect((await run(L(reportRoute), getRequest(location, coordinator), { ...params, uploadId })).status).toBe(403);
    expect((await run(A(reportRoute), formRequest(location, { intent: "confirm" }, coordinator), { ...params, uploadId })).status).toBe(403);
    const other = await disbursedLoan({ shares: [1] });
    const outsider = await staff(other.partner.id, "admin");
    expect((await run(L(reportRoute), getRequest(location, outsider), { ...params, uploadId })).status).toBe(403);
    // Their own portal URL with this upload's id: not found.
    expect((await run(L(reportRoute), getRequest(`/portal/${other.partner.id}/repayments/uploads/${uploadId}`, outsider), { partnerId: other.partner.id, uploadId })).status).toBe(404);
    expect((await run(A(reportRoute), formRequest(`/portal/${other.partner.id}/repayments/uploads/${uploadId}`, { intent: "confirm" }, outsider), { partnerId: other.partner.id, uploadId })).status).toBe(404);
    expect(await repaymentsOf(uploadId)).toHaveLength(0);

    const bad = await run(A(reportRoute), formRequest(location, { intent: "delete-everything" }, officer), { ...params, uploadId });
    expect(bad.status).toBe(400);

    const confirmed = await run(A(reportRoute), formRequest(location, { intent: "confirm" }, officer), { ...params, uploadId });
    expect(confirmed.status).toBe(302);
    expect(confirmed.headers.get("Location")).toBe(`/portal/${partner.id}/repayments/uploads/${uploadId}`);
    await postingFinished(uploadId);
    const done = (await (await run(L(reportRoute), getRequest(location, officer), { ...params, uploadId })).json()) as { upload: { status: string; postedCount: number } };
    expect(done.upload).toMatchObject({ status: "posted", postedCount: 1 });
    const again = await run(A(reportRoute), formRequest(location, { intent: "confirm" }, officer), { ...params, uploadId });
    expect(again.headers.get("Location")).toBe(`/portal/${partner.id}/repayments/uploads/${uploadId}?confirmed=posted`);
    const [repayment] = await repaymentsOf(uploadId);
    const [a, b] = await wallets(lenders);
    expect(a! + b!).toBe(repayment!.usdCents);

    const list = (await (await run(L(uploadRoute), getRequest(`/portal/${partner.id}/repayments/upload`, officer), params)).json()) as { uploads: { id: string; status: string }[] };
    expect(list.uploads).toEqual([expect.objectContaining({ id: uploadId, status: "posted" })]);
  });
});

describe("a large file", () => {
  it("checks and posts 50,000 lines, with progress, and every lender credited", async () => {
    const LOANS = 10;
    const PER_LOAN = 5_000;
    const first = await disbursedLoan({ shares: [30, 10] }); // $1,000 = KES 129,500.00 each
    const loans = [first];
    for (let i = 1; i < LOANS; i++) loans.push(await disbursedLoan({ shares: [30, 10], partnerId: first.partner.id }));
    const { partner, officer } = first;
    const start = first.loan.disbursedAt!.getTime();
    const rows: string[][] = [];
    for (let i = 0; i < PER_LOAN; i++) {
      // Distinct (date, amount) per loan: no line repeats another. KES 10.00–10.26 each, well within what is owed.
      const paidOn = isoDate(new Date(start + (i % 190) * DAY));
      const amount = `10.${String(Math.floor(i / 190)).padStart(2, "0")}`;
      for (const l of loans) rows.push([l.loan.reference, paidOn, amount, i % 2 ? "129.5" : "131.25"]);
    }
    const text = csv(rows);

    let started = performance.now();
    const { uploadId } = await upload(partner.id, officer.id, text, "year.csv");
    const checkMs = performance.now() - started;
    const report = (await uploadReport(partner.id, uploadId, { ok: 500 }))!;
    expect(report.upload).toMatchObject({ lineCount: 50_000, okCount: 50_000, errorCount: 0 });
    expect(report.ok).toMatchObject({ page: 500, pages: 500 });
    expect(report.ok.lines).toHaveLength(100);
    expect(report.ok.lines[99]!.lineNo).toBe(50_001);

    started = performance.now();
    let sawProgress = false;
    const confirmed = confirmUpload({ partnerId: partner.id, uploadId, userId: officer.id });
    expect(await confirmed).toBe("started");
    for (;;) {
      const db = await getDb();
      const row = await db.repaymentUpload.findUniqueOrThrow({ where: { id: uploadId } });
      if (row.status === "posting" && row.postedCount > 0 && row.postedCount < 50_000) sawProgress = true;
      if (row.status === "posted") break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await postingFinished(uploadId);
    const postMs = performance.now() - started;
    console.info(`50,000-line upload: checked and stored in ${Math.round(checkMs)} ms, posted in ${Math.round(postMs)} ms`);
    expect(sawProgress).toBe(true);

    const db = await getDb();
    const totals = await db.repayment.aggregate({ where: { uploadId }, _count: true, _sum: { usdCents: true } });
    expect(totals._count).toBe(50_000);
    expect(await db.repayment.count({ where: { uploadId, status: { not: "distributed" } } })).toBe(0);
    const credited = (await Promise.all(loans.map((l) => wallets(l.lenders)))).flat().reduce((a, b) => a + b, 0n);
    expect(credited).toBe(totals._sum.usdCents);
    expect((await uploadReport(partner.id, uploadId))!.upload).toMatchObject({ status: "posted", postedCount: 50_000 });
    expect((await verifyLedger()).ok).toBe(true);
  }, 300_000);
});
