// Auto-lending's rules with no I/O: the settings form, which loans fit a
// lender's criteria, how much credit is idle, and which shares to buy so that
// no partner or country takes more of the portfolio than the lender allows.
// Shared with the settings page (no .server suffix), and unit-tested beside it.
import { z } from "zod";
import { COUNTRY_CODES } from "./places.ts";

/** One share of a loan, in US cents. */
export const AUTO_SHARE_CENTS = 2500n;
const BPS = 10_000n;

export const BORROWER_KINDS = ["any", "individual", "group"] as const;
export type BorrowerKind = (typeof BORROWER_KINDS)[number];
export const BORROWER_KIND_LABELS: Record<BorrowerKind, string> = {
  any: "Individuals and groups",
  individual: "Individuals only",
  group: "Groups only",
};

export const AUTO_GENDERS = ["female", "male", "other"] as const;
export type AutoGender = (typeof AUTO_GENDERS)[number];
export const GENDER_LABELS: Record<AutoGender, string> = { female: "Women", male: "Men", other: "Other" };

export const OUTCOME_LABELS: Record<string, string> = {
  lent: "Lent",
  skipped: "Skipped",
  nothing_idle: "Nothing idle",
  no_match: "No match",
};

export const IDLE_DAYS = { min: 1, max: 365, default: 30 } as const;
export const MAX_TERM = { min: 1, max: 120 } as const;
export const DEFAULT_PARTNER_CAP_BPS = 2500;
export const DEFAULT_COUNTRY_CAP_BPS = 5000;
const MAX_LIST = 60;

export type AutoLendCriteria = {
  countries: string[];
  sectors: string[];
  genders: AutoGender[];
  borrowerKind: BorrowerKind;
  /** Minimum partner repayment rate in basis points; 0 = any partner. */
  minPartnerRepaymentBps: number;
  maxTermMonths: number | null;
};

export type AutoLendSettings = AutoLendCriteria & {
  enabled: boolean;
  idleDays: number;
  maxPartnerBps: number;
  maxCountryBps: number;
};

// ---------------------------------------------------------------------------
// The settings form

const wholeNumber = (label: string, min: number, max: number, unit: string) =>
  z
    .string({ message: `Enter ${label}.` })
    .trim()
    .refine((text) => text !== "", `Enter ${label}.`)
    .refine((text) => text === "" || /^\d{1,6}$/.test(text), `${capitalise(label)} must be a whole number.`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${capitalise(label)} must be from ${min} to ${max} ${unit}.`);

/** "95", "97.5" or "" (any) as basis points. */
const percentToBps = (label: string, min: number) =>
  z
    .string()
    .trim()
    .refine((text) => text === "" || /^\d{1,3}(\.\d{1,2})?$/.test(text), `${capitalise(label)} must be a percentage such as 25 or 97.5.`)
    .transform((text) => (text === "" ? null : Math.round(Number(text) * 100)))
    .refine((bps) => bps === null || (bps >= min * 100 && bps <= 10_000), `${capitalise(label)} must be from ${min}% to 100%.`);

function capitalise(text: string) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The settings page's form, as the route collects it (checkbox groups as
 * arrays of strings). Every error names its field.
 */
export const autoLendForm = z
  .object({
    enabled: z
      .string()
      .optional()
      .transform((value) => value === "on" || value === "true"),
    countries: z
      .array(z.string().trim().toUpperCase())
      .max(MAX_LIST, `Choose at most ${MAX_LIST} countries.`)
      .refine((codes) => codes.every((code) => COUNTRY_CODES.includes(code)), "Choose countries from the list.")
      .transform((codes) => [...new Set(codes)].sort()),
    sectors: z
      .array(z.string().trim().min(1, "Choose sectors from the list.").max(60, "Choose sectors from the list."))
      .max(MAX_LIST, `Choose at most ${MAX_LIST} sectors.`)
      .refine((sectors) => sectors.every((s) => !s.includes("\u0000")), "Choose sectors from the list.")
      .transform((sectors) => [...new Set(sectors)].sort()),
    genders: z
      .array(z.enum(AUTO_GENDERS, { message: "Choose women, men or other." }))
      .transform((genders) => [...new Set(genders)].sort()),
    borrowerKind: z.enum(BORROWER_KINDS, { message: "Choose individuals, groups, or both." }),
    minPartnerRepayment: percentToBps("minimum partner repayment rate", 0).transform((bps) => bps ?? 0),
    maxTermMonths: z
      .string()
      .trim()
      .refine((text) => text === "" || /^\d{1,4}$/.test(text), "Maximum term must be a whole number of months, or empty for any term.")
      .transform((text) => (text === "" ? null : Number(text)))
      .refine(
        (n) => n === null || (n >= MAX_TERM.min && n <= MAX_TERM.max),
        `Maximum term must be from ${MAX_TERM.min} to ${MAX_TERM.max} months, or empty for any term.`,
      ),
    idleDays: wholeNumber("the number of idle days", IDLE_DAYS.min, IDLE_DAYS.max, "days"),
    maxPartnerPercent: percentToBps("the cap per field partner", 1).refine((bps) => bps !== null, "Enter the cap per field partner, such as 25."),
    maxCountryPercent: percentToBps("the cap per country", 1).refine((bps) => bps !== null, "Enter the cap per country, such as 50."),
  })
  .superRefine((form, ctx) => {
    // Only individuals have a gender on record: with groups only, no loan could ever match.
    if (form.genders.length > 0 && form.borrowerKind === "group") {
      ctx.addIssue({ code: "custom", path: ["genders"], message: "Gender applies to individual borrowers only: clear it, or include individuals." });
    }
  })
  .transform(
    (form): AutoLendSettings => ({
      enabled: form.enabled,
      countries: form.countries,
      sectors: form.sectors,
      genders: form.genders,
      borrowerKind: form.borrowerKind,
      minPartnerRepaymentBps: form.minPartnerRepayment,
      maxTermMonths: form.maxTermMonths,
      idleDays: form.idleDays,
      maxPartnerBps: form.maxPartnerPercent!,
      maxCountryBps: form.maxCountryPercent!,
    }),
  );

export type AutoLendFormInput = z.input<typeof autoLendForm>;

/** Basis points as the form shows them: 2500 → "25", 9750 → "97.5". */
export function bpsToPercentText(bps: number): string {
  return (bps / 100).toLocaleString("en-US", { maximumFractionDigits: 2, useGrouping: false });
}

// ---------------------------------------------------------------------------
// Criteria

export type LoanFacts = {
  status: string;
  fundraisingDeadline: Date | null;
  country: string;
  sector: string;
  termMonths: number;
  kind: "individual" | "group";
  /** An individual borrower's gender (null for groups or when not on record). */
  gender: string | null;
  /** The partner's repayment rate in basis points, null when it has no record yet. */
  partnerRepaymentBps: number | null;
};

/** Why a loan does not fit, or null when it fits every criterion. The job's query must agree with this. */
export function criteriaMismatch(loan: LoanFacts, criteria: AutoLendCriteria, now: Date): string | null {
  if (loan.status !== "fundraising") return "not raising money";
  if (loan.fundraisingDeadline && loan.fundraisingDeadline.getTime() <= now.getTime()) return "past its deadline";
  if (criteria.countries.length > 0 && !criteria.countries.includes(loan.country)) return "country";
  if (criteria.sectors.length > 0 && !criteria.sectors.includes(loan.sector)) return "sector";
  if (criteria.borrowerKind !== "any" && loan.kind !== criteria.borrowerKind) return "borrower kind";
  if (criteria.genders.length > 0 && (loan.kind !== "individual" || !criteria.genders.includes(loan.gender as AutoGender))) return "gender";
  if (criteria.maxTermMonths !== null && loan.termMonths > criteria.maxTermMonths) return "term";
  // No record yet does not meet a minimum: the lender asked for a proven partner.
  if (criteria.minPartnerRepaymentBps > 0 && (loan.partnerRepaymentBps === null || loan.partnerRepaymentBps < criteria.minPartnerRepaymentBps)) {
    return "partner repayment rate";
  }
  return null;
}

// ---------------------------------------------------------------------------
// Idle credit

/** What may be lent: the balance less credit that arrived within the idle window, never below zero. */
export function idleCredit(balanceCents: bigint, recentCreditCents: bigint): bigint {
  const idle = balanceCents - recentCreditCents;
  return idle > 0n ? idle : 0n;
}

// ---------------------------------------------------------------------------
// Diversification caps

/** The lender's outstanding loans, in US cents: in all, per partner and per country. */
export type Exposure = { totalCents: bigint; byPartner: ReadonlyMap<string, bigint>; byCountry: ReadonlyMap<string, bigint> };

export type Candidate = { loanId: string; partnerId: string; country: string };

export type SkipReason =
  | { code: "partner_cap"; afterBps: number; capBps: number }
  | { code: "country_cap"; afterBps: number; capBps: number }
  | { code: "idle_used" };

export type Plan<C extends Candidate> = { lend: C[]; skipped: { candidate: C; reason: SkipReason }[] };

type Caps = { maxPartnerBps: number; maxCountryBps: number };

/** Whole shares that fit under a cap once the portfolio totals `total`, given what is already there. */
function allowance(capBps: number, total: bigint, already: bigint): bigint {
  const room = BigInt(capBps) * total - BPS * already;
  return room < 0n ? 0n : room / (BPS * AUTO_SHARE_CENTS);
}

/** Up to `n` candidates, in their order, that fit the caps of a portfolio grown by exactly `n` shares. */
function pickWithin<C extends Candidate>(n: number, exposure: Exposure, candidates: readonly C[], caps: Caps): C[] {
  const total = exposure.totalCents + BigInt(n) * AUTO_SHARE_CENTS;
  const perPartner = new Map<string, bigint>();
  const perCountry = new Map<string, bigint>();
  const picked: C[] = [];
  for (const c of candidates) {
    if (picked.length === n) break;
    const p = perPartner.get(c.partnerId) ?? 0n;
    const k = perCountry.get(c.country) ?? 0n;
    if (p >= allowance(caps.maxPartnerBps, total, exposure.byPartner.get(c.partnerId) ?? 0n)) continue;
    if (k >= allowance(caps.maxCountryBps, total, exposure.byCountry.get(c.country) ?? 0n)) continue;
    perPartner.set(c.partnerId, p + 1n);
    perCountry.set(c.country, k + 1n);
    picked.push(c);
  }
  return picked;
}

/**
 * One $25 share each of as many candidates (in the order given: the job's
 * priority) as the idle credit pays for, such that after the run no partner
 * and no country the run lends to holds more of the portfolio than its cap.
 *
 * Caps are checked against the portfolio as it will be after the whole run,
 * not after each share: the first share of an empty portfolio is 100% of it,
 * so a per-share check would never let a new lender start. The run's shares
 * are then bought in one all-or-nothing checkout, so that end state is the only
 * one anyone sees.
 *
 * Partners sit inside countries, so the caps form a nested (laminar) family and
 * taking candidates greedily finds the most shares any choice could for a given
 * run size; shrinking the run size until the greedy pick fills it finds the
 * largest run that fits.
 */
export function planShares<C extends Candidate>(input: { idleCents: bigint; exposure: Exposure; candidates: readonly C[] } & Caps): Plan<C> {
  const seen = new Set<string>();
  const candidates = input.candidates.filter((c) => !seen.has(c.loanId) && seen.add(c.loanId));
  const affordable = Number(input.idleCents / AUTO_SHARE_CENTS);
  let n = Math.min(affordable, candidates.length);
  let lend: C[] = [];
  while (n > 0) {
    lend = pickWithin(n, input.exposure, candidates, input);
    if (lend.length === n) break;
    n = lend.length;
  }
  if (n === 0) lend = [];

  const chosen = new Set(lend.map((c) => c.loanId));
  const perPartner = new Map<string, bigint>();
  const perCountry = new Map<string, bigint>();
  for (const c of lend) {
    perPartner.set(c.partnerId, (perPartner.get(c.partnerId) ?? 0n) + AUTO_SHARE_CENTS);
    perCountry.set(c.country, (perCountry.get(c.country) ?? 0n) + AUTO_SHARE_CENTS);
  }
  // Why each other candidate was left out: what one more share of it would do.
  const totalWithOneMore = input.exposure.totalCents + BigInt(lend.length + 1) * AUTO_SHARE_CENTS;
  const skipped = candidates
    .filter((c) => !chosen.has(c.loanId))
    .map((candidate) => {
      const partnerAfter = (input.exposure.byPartner.get(candidate.partnerId) ?? 0n) + (perPartner.get(candidate.partnerId) ?? 0n) + AUTO_SHARE_CENTS;
      const countryAfter = (input.exposure.byCountry.get(candidate.country) ?? 0n) + (perCountry.get(candidate.country) ?? 0n) + AUTO_SHARE_CENTS;
      const partnerBps = Number((partnerAfter * BPS) / totalWithOneMore);
      const countryBps = Number((countryAfter * BPS) / totalWithOneMore);
      let reason: SkipReason = { code: "idle_used" };
      if (partnerAfter * BPS > BigInt(input.maxPartnerBps) * totalWithOneMore) {
        reason = { code: "partner_cap", afterBps: partnerBps, capBps: input.maxPartnerBps };
      } else if (countryAfter * BPS > BigInt(input.maxCountryBps) * totalWithOneMore) {
        reason = { code: "country_cap", afterBps: countryBps, capBps: input.maxCountryBps };
      }
      return { candidate, reason };
    });
  return { lend, skipped };
}

/** True when every partner and country the added shares go to stays within its cap. */
export function withinCaps(exposure: Exposure, added: readonly Candidate[], caps: Caps): boolean {
  const total = exposure.totalCents + BigInt(added.length) * AUTO_SHARE_CENTS;
  const partners = new Map<string, bigint>();
  const countries = new Map<string, bigint>();
  for (const c of added) {
    partners.set(c.partnerId, (partners.get(c.partnerId) ?? exposure.byPartner.get(c.partnerId) ?? 0n) + AUTO_SHARE_CENTS);
    countries.set(c.country, (countries.get(c.country) ?? exposure.byCountry.get(c.country) ?? 0n) + AUTO_SHARE_CENTS);
  }
  for (const amount of partners.values()) if (amount * BPS > BigInt(caps.maxPartnerBps) * total) return false;
  for (const amount of countries.values()) if (amount * BPS > BigInt(caps.maxCountryBps) * total) return false;
  return true;
}

/** A skip reason in the words the decision log shows. */
export function describeSkip(reason: SkipReason, names: { partner: string; country: string }): string {
  const pct = (bps: number) => `${(bps / 100).toLocaleString("en-US", { maximumFractionDigits: 1 })}%`;
  switch (reason.code) {
    case "partner_cap":
      return `One more share would put ${pct(reason.afterBps)} of your portfolio with ${names.partner}; your cap per field partner is ${pct(reason.capBps)}.`;
    case "country_cap":
      return `One more share would put ${pct(reason.afterBps)} of your portfolio in ${names.country}; your cap per country is ${pct(reason.capBps)}.`;
    case "idle_used":
      return "Your idle credit was used up by loans ending sooner.";
  }
}
