// Free text as a reader may see it: the names and places its consents do not
// release are replaced with neutral words. Pure, so the portal's form can show
// the same public text in the browser as the server will (ADR 028). The
// consent check (app/models/consent.server.ts) decides which terms are hidden;
// this module only finds them in the text.

/** Someone or somewhere a text may mention, and whether the reader may see it. */
export type RedactionTerm = {
  /** The recorded name or place: a full name, an alias, a village. Split into words on spaces. */
  text: string;
  /** Said instead, e.g. "the borrower"; its first letter is capitalised where a sentence starts. */
  replacement: string;
  /** False: every mention is replaced. True: mentions that are clearly this one are kept. */
  shown: boolean;
  /**
   * Terms with the same owner are one person or place (a full name and its
   * aliases): a run of words counts as theirs when all its words are theirs.
   */
  owner: string;
  /**
   * "name": each word of a person's name is a mention on its own. "phrase": only
   * the whole (a village, a group's name), so a group called "Women of Hope" does
   * not hide every "Women". Either as recorded, capitalised or in capitals.
   */
  kind: "name" | "phrase";
};

export type Redacted = {
  text: string;
  /** Each distinct mention that was replaced, as written in the text, in order of first appearance. */
  hidden: string[];
};

const LETTER = "\\p{L}\\p{M}\\p{N}";
const APOSTROPHES = "['\u2019]";

/** A word of a recorded name that identifies on its own: two letters or more, not a lowercase particle ("de", "wa", "bin"). */
function identifying(word: string): boolean {
  return [...word].filter((ch) => /\p{L}/u.test(ch)).length >= 2 && word !== word.toLowerCase();
}

function capitalised(word: string): string {
  const [first = "", ...rest] = [...word];
  return first.toUpperCase() + rest.join("").toLowerCase();
}

/** The spellings of a recorded word or phrase that count as a mention: as recorded, capitalised word by word, in capitals. */
function spellings(unit: string): string[] {
  return [...new Set([unit, unit.split(" ").map(capitalised).join(" "), unit.toUpperCase()])];
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const words = (s: string) => s.normalize("NFC").trim().split(/\s+/u).filter(Boolean);

/**
 * Replaces every mention of a hidden term. A mention is a run of the terms'
 * units (a word of a name, or a whole place or group name), whole words only
 * ("Grace" leaves "a grace period" alone, "Jun" leaves "June"), with any
 * particles between them and an optional possessive. A run is kept only when
 * it is clearly a shown term's: all its units are that owner's, and one of
 * them belongs to no hidden owner. A surname shared by a shown and a hidden
 * person, alone, is hidden.
 */
export function redact(input: string, terms: readonly RedactionTerm[]): Redacted {
  const text = input.normalize("NFC");
  const owners = new Map<string, { shown: boolean; units: Set<string>; replacement: string }>();
  const spellingToUnit = new Map<string, string>();
  const particles = new Set<string>();
  const addUnit = (owner: { units: Set<string> }, unit: string) => {
    const key = unit.toLowerCase();
    owner.units.add(key);
    for (const spelling of spellings(unit)) spellingToUnit.set(spelling, key);
  };
  for (const term of terms) {
    const owner = owners.get(term.owner) ?? { shown: term.shown, units: new Set<string>(), replacement: term.replacement };
    owner.shown = owner.shown && term.shown;
    const parts = words(term.text);
    if (term.kind === "phrase") {
      if (parts.some(identifying)) addUnit(owner, parts.join(" "));
    } else {
      for (const word of parts) {
        if (identifying(word)) addUnit(owner, word);
        else particles.add(word.toLowerCase());
      }
    }
    owners.set(term.owner, owner);
  }
  if (![...owners.values()].some((o) => !o.shown && o.units.size > 0)) return { text, hidden: [] };

  const unit = `(?:${[...spellingToUnit.keys()]
    .sort((a, b) => b.length - a.length)
    .map((spelling) => spelling.split(" ").map(escape).join("\\s+"))
    .join("|")})`;
  const particle = particles.size > 0 ? `(?:(?:${[...particles].map(escape).join("|")})\\s+)*` : "";
  const before = `(?<![${LETTER}])`;
  const after = `(?![${LETTER}])`;
  // A run: units separated by spaces (and particles), then an optional possessive.
  const pattern = new RegExp(`${before}(${unit}(?:\\s+${particle}${unit})*)(?:(${APOSTROPHES}s)|(?<=s)(${APOSTROPHES}))?${after}`, "gu");
  const unitPattern = new RegExp(`${before}${unit}${after}`, "gu");

  const hidden: string[] = [];
  const out = text.replace(pattern, (match: string, run: string, possessive: string | undefined, bareApostrophe: string | undefined, offset: number) => {
    const runUnits = [...run.matchAll(unitPattern)]
      .map((m) => spellingToUnit.get(m[0].replace(/\s+/gu, " ")))
      .filter((u): u is string => u !== undefined);
    const hiddenOwners = [...owners.values()].filter((o) => !o.shown && runUnits.some((u) => o.units.has(u)));
    if (hiddenOwners.length === 0) return match;
    const clearlyShown = [...owners.values()].some(
      (o) => o.shown && runUnits.every((u) => o.units.has(u)) && runUnits.some((u) => !hiddenOwners.some((h) => h.units.has(u))),
    );
    if (clearlyShown) return match;
    // Said as the hidden owner most of the run's units belong to.
    const count = (o: { units: Set<string> }) => runUnits.filter((u) => o.units.has(u)).length;
    const owner = hiddenOwners.reduce((best, o) => (count(o) > count(best) ? o : best));
    if (!hidden.includes(match)) hidden.push(match);
    let replacement = owner.replacement;
    // "at the Kibuye market" reads "at the village market", not "at the the village market".
    if (/^the\s/i.test(replacement) && /(^|[^\p{L}])the\s+$/iu.test(text.slice(0, offset))) replacement = replacement.replace(/^the\s+/i, "");
    else if (startsSentence(text, offset)) replacement = replacement.slice(0, 1).toUpperCase() + replacement.slice(1);
    const apostrophe = (possessive ?? bareApostrophe)?.[0];
    return apostrophe ? `${replacement}${apostrophe}s` : replacement;
  });
  return { text: out, hidden };
}

/** At the start of the text, a line, or after a sentence's closing mark (allowing closing quotes and brackets). */
function startsSentence(text: string, offset: number): boolean {
  const before = text.slice(0, offset).replace(/[\s"'\u201C\u2018(]+$/u, "");
  return before === "" || /[.!?\n]$/u.test(before) || /\n\s*$/u.test(text.slice(0, offset));
}
