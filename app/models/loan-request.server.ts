// Loan requests as a field partner drafts them and a platform admin reviews
// them: draft → submitted → fundraising (or back to draft with comments), and
// cancellation. Every status change is conditional on the status it leaves, so
// two people acting at once cannot both succeed, and each leaves a LoanEvent.
import crypto from "node:crypto";
import { z } from "zod";
import type { LoanStatus } from "~/generated/prisma/enums.ts";
import { minorDigits, parseMoneyInput } from "~/lib/money.ts";
import { computeSchedule, instalmentCount, type Schedule } from "~/lib/schedule.ts";
import { getDb } from "~/utils/db.server.ts";
import { partnerPayableAccount, refundLoan, SHARE_CENTS } from "./lending.server.ts";
import { postTransaction } from "./ledger.server.ts";
import { createInitialSchedule } from "./repayment.server.ts";
import type { DbTx } from "./ledger.server.ts";

const MAX_LOAN_CENTS = 1_000_000n; // $10,000
const DAY = 86_400_000;
export const MAX_FUNDRAISING_DAYS = 60;

const decimalRate = /^\d{1,9}(\.\d{1,8})?$/;

function dateInput(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const date = new Date(`${value}T23:59:59Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The loan request form, as typed. Turned into exact values, or errors naming each field. */
export function loanRequestSchema(now = new Date()) {
  return z
    .object({
      borrower: z.string({ message: "Choose the client or group borrowing." }).regex(/^(client|group):[\w-]{1,64}$/, "Choose the client or group borrowing."),
      amountUsd: z.string({ message: "Enter the amount in US dollars." }).transform((text, ctx) => {
        const parsed = parseMoneyInput(text, "USD", { min: SHARE_CENTS, max: MAX_LOAN_CENTS });
        if (!parsed.ok) {
          ctx.addIssue({ code: "custom", message: parsed.message });
          return z.NEVER;
        }
        if (parsed.amount % SHARE_CENTS !== 0n) {
          ctx.addIssue({ code: "custom", message: "The amount must be a multiple of $25 (lenders fund it in $25 shares)." });
          return z.NEVER;
        }
        return parsed.amount;
      }),
      fxRate: z
        .string({ message: "Enter the exchange rate." })
        .trim()
        .refine((v) => decimalRate.test(v) && Number(v) > 0, "Enter how many units of local currency one US dollar buys, e.g. 129.50."),
      purpose: z.string({ message: "Say what the loan is for." }).trim().min(10, "Say what the loan is for, in at least 10 characters.").max(500, "Use at most 500 characters."),
      sector: z.string({ message: "Enter the sector." }).trim().min(1, "Enter the sector.").max(60, "Use at most 60 characters."),
      termMonths: z.coerce.number({ message: "Enter the term in months." }).int("Use whole months.").min(1, "The term must be 1 to 60 months.").max(60, "The term must be 1 to 60 months."),
      frequency: z.enum(["weekly", "fortnightly", "monthly"], { message: "Choose how often the borrower repays." }),
      interestMethod: z.enum(["flat", "declining_balance"], { message: "Choose flat or declining balance." }),
      annualRate: z
        .string({ message: "Enter the interest rate." })
        .trim()
        .refine((v) => /^\d{1,3}(\.\d{1,2})?$/.test(v), "Enter the yearly rate in percent, like 24 or 24.5.")
        .transform((v) => Math.round(Number(v) * 100))
        .refine((bps) => bps <= 10_000, "The interest rate must be between 0% and 100% a year."),
      graceInstalments: z.coerce.number({ message: "Enter the grace period." }).int("Use a whole number of instalments.").min(0, "The grace period cannot be negative.").max(24, "At most 24 grace instalments."),
      fundraisingDeadline: z.string({ message: "Choose a fundraising deadline." }).transform((text, ctx) => {
        const date = dateInput(text);
        if (!date) {
          ctx.addIssue({ code: "custom", message: "Choose a fundraising deadline." });
          return z.NEVER;
        }
        if (date.getTime() <= now.getTime()) {
          ctx.addIssue({ code: "custom", message: "The deadline must be in the future." });
          return z.NEVER;
        }
        if (date.getTime() > now.getTime() + MAX_FUNDRAISING_DAYS * DAY) {
          ctx.addIssue({ code: "custom", message: `The deadline can be at most ${MAX_FUNDRAISING_DAYS} days away.` });
          return z.NEVER;
        }
        return date;
      }),
    })
    .superRefine((value, ctx) => {
      const n = instalmentCount(value.termMonths, value.frequency);
      if (value.graceInstalments >= n) {
        ctx.addIssue({ code: "custom", path: ["graceInstalments"], message: `The grace period must be fewer than the loan's ${n} instalments.` });
      }
    });
}
export type LoanRequestInput = z.infer<ReturnType<typeof loanRequestSchema>>;

/** USD cents × rate, in the local currency's own minor units, rounded half up. */
export function localAmount(usdCents: bigint, fxRate: string, currency: string): bigint {
  const [whole, fraction = ""] = fxRate.split(".");
  const scale = 10n ** BigInt(fraction.length);
  const rate = BigInt(whole!) * scale + BigInt(fraction || "0");
  const numerator = usdCents * rate * 10n ** BigInt(minorDigits(currency));
  const denominator = 100n * scale;
  return (numerator * 2n + denominator) / (2n * denominator);
}

export function scheduleFor(
  loan: { amountLocalMinor: bigint; annualRateBps: number; termMonths: number; frequency: "weekly" | "fortnightly" | "monthly"; interestMethod: "flat" | "declining_balance"; graceInstalments: number },
  disbursedOn: Date,
): Schedule {
  return computeSchedule({
    principal: loan.amountLocalMinor,
    annualRateBps: loan.annualRateBps,
    termMonths: loan.termMonths,
    frequency: loan.frequency,
    method: loan.interestMethod,
    graceInstalments: loan.graceInstalments,
    disbursedOn,
  });
}

export class LoanRequestError extends Error {
  constructor(message: string, readonly field: string = "") {
    super(message);
    this.name = "LoanRequestError";
  }
}

async function borrowerOf(partnerId: string, borrower: string) {
  const db = await getDb();
  const [kind, id] = borrower.split(":") as ["client" | "group", string];
  if (kind === "client") {
    const client = await db.client.findFirst({ where: { id, partnerId }, select: { id: true } });
    if (!client) throw new LoanRequestError("Choose one of this partner's clients.", "borrower");
    return { clientId: id, groupId: null };
  }
  const group = await db.group.findFirst({ where: { id, partnerId }, select: { id: true } });
  if (!group) throw new LoanRequestError("Choose one of this partner's groups.", "borrower");
  return { clientId: null, groupId: id };
}

function loanData(input: LoanRequestInput, currency: string) {
  return {
    amountUsdCents: Number(input.amountUsd),
    localCurrency: currency,
    amountLocalMinor: localAmount(input.amountUsd, input.fxRate, currency),
    fxRate: input.fxRate,
    purpose: input.purpose,
    sector: input.sector,
    termMonths: input.termMonths,
    frequency: input.frequency,
    interestMethod: input.interestMethod,
    annualRateBps: input.annualRate,
    graceInstalments: input.graceInstalments,
    fundraisingDeadline: input.fundraisingDeadline,
  };
}

export async function createDraft(partnerId: string, input: LoanRequestInput, userId: string) {
  const db = await getDb();
  const partner = await db.partner.findUniqueOrThrow({ where: { id: partnerId }, select: { country: true, currency: true } });
  const borrower = await borrowerOf(partnerId, input.borrower);
  const reference = `MV-${partner.country}-${crypto.randomBytes(4).toString("hex").toUpperCase()}`;
  return db.$transaction(async (tx) => {
    const loan = await tx.loan.create({
      data: { ...loanData(input, partner.currency), ...borrower, partnerId, reference, status: "draft", createdById: userId },
      select: { id: true },
    });
    await tx.loanEvent.create({ data: { loanId: loan.id, fromStatus: null, toStatus: "draft", byUserId: userId } });
    return loan;
  });
}

export async function updateDraft(partnerId: string, loanId: string, input: LoanRequestInput) {
  const db = await getDb();
  const partner = await db.partner.findUniqueOrThrow({ where: { id: partnerId }, select: { currency: true } });
  const borrower = await borrowerOf(partnerId, input.borrower);
  const { count } = await db.loan.updateMany({
    where: { id: loanId, partnerId, status: "draft" },
    data: { ...loanData(input, partner.currency), ...borrower },
  });
  if (count !== 1) throw new LoanRequestError("Only a draft can be edited.");
}

async function transition(
  loanId: string,
  where: { partnerId?: string },
  from: readonly LoanStatus[],
  to: LoanStatus,
  byUserId: string,
  extra: { comment?: string | null; data?: Record<string, unknown>; within?: (tx: DbTx, from: LoanStatus) => Promise<void> } = {},
) {
  const db = await getDb();
  return db.$transaction(async (tx) => {
    const current = await tx.loan.findFirst({ where: { id: loanId, ...where }, select: { status: true } });
    if (!current) throw new LoanRequestError("No such loan request.");
    const refuse = (status: LoanStatus) =>
      new LoanRequestError(`This loan is ${status.replace("_", " ")}; it cannot become ${to.replace("_", " ")}.`);
    if (!from.includes(current.status)) throw refuse(current.status);
    // Conditional on the status just read: of two people acting at once, one wins.
    const { count } = await tx.loan.updateMany({
      where: { id: loanId, ...where, status: current.status },
      data: { status: to, ...extra.data },
    });
    if (count !== 1) throw refuse(current.status);
    await extra.within?.(tx, current.status);
    await tx.loanEvent.create({ data: { loanId, fromStatus: current.status, toStatus: to, byUserId, comment: extra.comment ?? null } });
  }, { maxWait: 30_000, timeout: 60_000 });
}

/** Sends a draft to review. Its schedule must be computable and its deadline still ahead. */
export async function submitLoan(partnerId: string, loanId: string, userId: string) {
  const db = await getDb();
  const loan = await db.loan.findFirst({ where: { id: loanId, partnerId }, select: { fundraisingDeadline: true } });
  if (loan?.fundraisingDeadline && loan.fundraisingDeadline.getTime() <= Date.now()) {
    throw new LoanRequestError("The fundraising deadline has passed. Edit the draft and choose a new one.", "fundraisingDeadline");
  }
  await transition(loanId, { partnerId }, ["draft"], "submitted", userId, { data: { submittedAt: new Date(), reviewComment: null } });
}

export const reviewSchema = z.discriminatedUnion("decision", [
  z.object({ decision: z.literal("approve"), comment: z.string().trim().max(2000).optional() }),
  z.object({
    decision: z.literal("return"),
    comment: z.string({ message: "Say what the partner should change." }).trim().min(5, "Say what the partner should change.").max(2000, "Use at most 2,000 characters."),
  }),
]);

/** A platform admin approves a submitted request (it starts fundraising) or returns it to draft with comments. */
export async function reviewLoan(loanId: string, adminId: string, review: z.infer<typeof reviewSchema>) {
  if (review.decision === "return") {
    await transition(loanId, {}, ["submitted"], "draft", adminId, { comment: review.comment, data: { reviewComment: review.comment } });
    return;
  }
  const db = await getDb();
  const loan = await db.loan.findUnique({ where: { id: loanId }, select: { fundraisingDeadline: true } });
  if (!loan?.fundraisingDeadline || loan.fundraisingDeadline.getTime() <= Date.now()) {
    throw new LoanRequestError("Its fundraising deadline has passed: return it to the partner to choose a new one.");
  }
  await transition(loanId, {}, ["submitted"], "fundraising", adminId, { comment: review.comment ?? null, data: { listedAt: new Date() } });
}

/**
 * The partner withdraws a request or stops a fundraising loan. Every lender of
 * a fundraising loan is refunded to wallet credit in the same transaction.
 * Returns who was refunded, for the notifications.
 */
export async function cancelLoan(partnerId: string, loanId: string, userId: string, reason: string) {
  let refunded: { lenderId: string; amount: bigint }[] = [];
  await transition(loanId, { partnerId }, ["draft", "submitted", "fundraising"], "cancelled", userId, {
    comment: reason,
    within: async (tx, from) => {
      if (from === "fundraising") refunded = await refundLoan(tx, loanId, "cancelled");
    },
  });
  return refunded;
}

export async function listPartnerLoans(partnerId: string, status?: LoanStatus) {
  const db = await getDb();
  return db.loan.findMany({
    where: { partnerId, ...(status ? { status } : {}) },
    select: {
      id: true,
      reference: true,
      status: true,
      amountUsdCents: true,
      purpose: true,
      fundraisingDeadline: true,
      updatedAt: true,
      client: { select: { fullName: true } },
      group: { select: { name: true } },
    },
    orderBy: [{ updatedAt: "desc" }, { id: "asc" }],
    take: 500,
  });
}

export async function getPartnerLoan(partnerId: string, loanId: string) {
  const db = await getDb();
  return db.loan.findFirst({
    where: { id: loanId, partnerId },
    include: {
      client: { select: { id: true, fullName: true, story: true } },
      group: { select: { id: true, name: true, story: true } },
      events: { orderBy: { at: "asc" }, select: { fromStatus: true, toStatus: true, comment: true, at: true, byUserId: true } },
    },
  });
}

export async function reviewQueue() {
  const db = await getDb();
  return db.loan.findMany({
    where: { status: "submitted" },
    select: {
      id: true,
      reference: true,
      amountUsdCents: true,
      purpose: true,
      submittedAt: true,
      partner: { select: { name: true, country: true } },
    },
    orderBy: [{ submittedAt: "asc" }, { id: "asc" }],
  });
}

export async function getLoanForReview(loanId: string) {
  const db = await getDb();
  return db.loan.findUnique({
    where: { id: loanId },
    include: {
      partner: { select: { name: true, country: true, status: true } },
      client: { select: { id: true, fullName: true, story: true, region: true, village: true } },
      group: { select: { id: true, name: true, story: true } },
      events: { orderBy: { at: "asc" }, select: { fromStatus: true, toStatus: true, comment: true, at: true } },
    },
  });
}

/** A schedule as loaders send it: bigints as strings, dates as ISO strings. */
export function scheduleView(schedule: Schedule, currency: string) {
  return {
    currency,
    rows: schedule.instalments.map((i) => ({
      number: i.number,
      dueDate: i.dueDate.toISOString(),
      principal: i.principal.toString(),
      interest: i.interest.toString(),
      total: i.total.toString(),
      balanceAfter: i.balanceAfter.toString(),
    })),
    totalInterest: schedule.totalInterest.toString(),
    totalRepaid: schedule.totalRepaid.toString(),
    aprBps: schedule.aprBps,
  };
}

/** Everyone this partner can lend to, for the borrower choice. */
export async function borrowerOptions(partnerId: string) {
  const db = await getDb();
  const [clients, groups] = await Promise.all([
    db.client.findMany({ where: { partnerId }, select: { id: true, fullName: true, village: true }, orderBy: { fullName: "asc" }, take: 2000 }),
    db.group.findMany({ where: { partnerId }, select: { id: true, name: true }, orderBy: { name: "asc" } }),
  ]);
  return [
    ...clients.map((c) => ({ value: `client:${c.id}`, label: `${c.fullName} (${c.village})` })),
    ...groups.map((g) => ({ value: `group:${g.id}`, label: `Group: ${g.name}` })),
  ];
}

/** The form's values for an existing loan, to edit it. */
export function loanFormValues(loan: {
  clientId: string | null;
  groupId: string | null;
  amountUsdCents: number;
  fxRate: { toString(): string };
  purpose: string;
  sector: string;
  termMonths: number;
  frequency: string;
  interestMethod: string;
  annualRateBps: number;
  graceInstalments: number;
  fundraisingDeadline: Date | null;
}): Record<string, string> {
  return {
    borrower: loan.clientId ? `client:${loan.clientId}` : `group:${loan.groupId}`,
    amountUsd: (loan.amountUsdCents / 100).toFixed(2),
    fxRate: loan.fxRate.toString(),
    purpose: loan.purpose,
    sector: loan.sector,
    termMonths: String(loan.termMonths),
    frequency: loan.frequency,
    interestMethod: loan.interestMethod,
    annualRate: (loan.annualRateBps / 100).toString(),
    graceInstalments: String(loan.graceInstalments),
    fundraisingDeadline: loan.fundraisingDeadline?.toISOString().slice(0, 10) ?? "",
  };
}

/**
 * The partner has paid the loan out to the borrower: the loan starts paying
 * back, and the money Mavuno passed to the partner leaves the ledger to them.
 */
export async function recordDisbursement(partnerId: string, loanId: string, userId: string, disbursedOn: Date) {
  const db = await getDb();
  const loan = await db.loan.findFirst({
    where: { id: loanId, partnerId },
    select: {
      amountUsdCents: true,
      reference: true,
      fundedAt: true,
      amountLocalMinor: true,
      annualRateBps: true,
      termMonths: true,
      frequency: true,
      interestMethod: true,
      graceInstalments: true,
    },
  });
  if (!loan) throw new LoanRequestError("No such loan.");
  // By calendar day: a form's date arrives at a fixed time of day, which may still be ahead of now.
  if (disbursedOn.toISOString().slice(0, 10) > new Date().toISOString().slice(0, 10)) {
    throw new LoanRequestError("The disbursement date cannot be in the future.", "disbursedOn");
  }
  if (loan.fundedAt && disbursedOn.getTime() < loan.fundedAt.getTime() - 86_400_000) {
    throw new LoanRequestError("The disbursement date cannot be before the loan was funded.", "disbursedOn");
  }
  await transition(loanId, { partnerId }, ["funded"], "paying_back", userId, {
    comment: `Disbursed on ${disbursedOn.toISOString().slice(0, 10)}`,
    data: { disbursedAt: disbursedOn },
    within: async (tx) => {
      const amount = BigInt(loan.amountUsdCents);
      await postTransaction(
        {
          idempotencyKey: `loan:${loanId}:disbursed`,
          kind: "disbursement",
          memo: `Loan ${loan.reference} disbursed to the borrower by the field partner`,
          reference: { loanId },
          postings: [
            { account: partnerPayableAccount(partnerId), amount: -amount, currency: "USD" },
            { account: `external:partner:${partnerId}`, amount, currency: "USD" },
          ],
        },
        { tx },
      );
      await createInitialSchedule(tx, { id: loanId, ...loan }, disbursedOn, userId);
    },
  });
}
