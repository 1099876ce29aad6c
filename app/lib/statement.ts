// Pure pieces of clients' own statements, shared by the server and the pages.

/**
 * Letters and digits a person reads off paper and types on a phone without
 * mixing them up: no 0/O, 1/I/L, and no U (so no accidental words). 30
 * characters, 10 of them: about 49 bits, guessed only through the throttle.
 */
export const ACCESS_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789";
export const ACCESS_CODE_LENGTH = 10;

/** ABCDEFGHJK → ABCD-EFGH-JK: groups of four are easier to read out and copy. */
export function formatAccessCode(code: string): string {
  return code.match(/.{1,4}/g)?.join("-") ?? code;
}

/**
 * What someone typed, as the stored form of a code: upper case, without the
 * spaces and dashes people add. "" when nothing was typed; null when it cannot
 * be a code (wrong length, a character the alphabet does not have).
 */
export function normaliseAccessCode(input: string): string | null {
  const compact = input.toUpperCase().replace(/[\s\-–—_.]/g, "");
  if (compact === "") return "";
  if (compact.length !== ACCESS_CODE_LENGTH) return null;
  for (const char of compact) if (!ACCESS_CODE_ALPHABET.includes(char)) return null;
  return compact;
}

/** How much of each instalment `paid` covers, filling them in order (what is paid beyond the last stays unassigned). */
export function coveredPerInstalment(totals: readonly bigint[], paid: bigint): bigint[] {
  let left = paid > 0n ? paid : 0n;
  return totals.map((total) => {
    const covered = left >= total ? total : left;
    left -= covered;
    return covered;
  });
}

/** Consent purposes in the words of the person who gave them. */
export const CLIENT_PURPOSE_LABELS: Record<string, string> = {
  story: "Show your story to lenders",
  photo: "Show your photo",
  name: "Show your name",
  location: "Show where you live",
  ppi: "Use your answers to the poverty survey in overall figures (never on their own)",
  investor_drilldown: "Let the people who fund your loan see your own record",
  peer_sites: "Share your story with other lending websites",
};

export const GRANULARITY_WORDS: Record<string, string> = {
  country: "your country only",
  region: "your region",
  village: "your village",
};

/** A loan's status as its borrower would say it. */
export const CLIENT_STATUS_LABELS: Record<string, string> = {
  submitted: "Being checked by Mavuno",
  fundraising: "Lenders are funding it",
  funded: "Fully funded, waiting to be paid out to you",
  paying_back: "You are paying it back",
  repaid: "Fully repaid",
  defaulted: "Not repaid on time",
  written_off: "Closed without being fully repaid",
  expired: "Not fully funded in time",
  cancelled: "Cancelled",
};

export const INSTALMENT_STATE_LABELS: Record<string, string> = {
  paid: "Paid",
  part_paid: "Part paid",
  late: "Late",
  due: "To pay",
};
