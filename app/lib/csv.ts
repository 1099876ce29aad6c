// A small RFC 4180 reader for the files partners export from spreadsheets and
// their own systems. Strict where a silent guess would change a number (an
// unclosed quote, text after a closing quote), forgiving where nothing is lost
// (a byte-order mark, CRLF or LF or CR, blank lines, a final newline).

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`Line ${line}: ${message}`);
    this.name = "CsvError";
  }
}

export type CsvRecord = {
  /** The physical line the record starts on, 1-based, as an editor or a spreadsheet counts rows. */
  line: number;
  fields: string[];
  /** The record's text as it stands in the file, without its line break. */
  raw: string;
};

export type CsvOptions = {
  /** Field separator; by default guessed from the first line: `,`, else `;` or a tab if only that one appears. */
  delimiter?: string;
  /** Refuse the file once it has more records than this (the header counts). */
  maxRecords?: number;
};

const QUOTE = 34; // "
const CR = 13;
const LF = 10;

/** The separator of the first line (outside quotes): spreadsheets in many locales save `;`. */
export function guessDelimiter(text: string): string {
  let inQuotes = false;
  const counts = { ",": 0, ";": 0, "\t": 0 };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (c === "\n" || c === "\r")) break;
    else if (!inQuotes && c in counts) counts[c as keyof typeof counts]++;
  }
  if (counts[","] > 0) return ",";
  if (counts[";"] > 0) return ";";
  if (counts["\t"] > 0) return "\t";
  return ",";
}

/**
 * Every record of `text`, skipping records whose fields are all empty (blank
 * lines, and the `,,,` rows spreadsheets leave at the end).
 */
export function parseCsv(input: string, options: CsvOptions = {}): CsvRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const delimiter = options.delimiter ?? guessDelimiter(text);
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new RangeError("parseCsv: the delimiter must be one character other than a quote or a line break");
  }
  const sep = delimiter.charCodeAt(0);
  const max = options.maxRecords ?? Infinity;
  const records: CsvRecord[] = [];
  const length = text.length;

  let line = 1;
  let i = 0;
  while (i < length) {
    const startLine = line;
    const start = i;
    const fields: string[] = [];
    let ended = false;
    while (!ended) {
      let value: string;
      if (text.charCodeAt(i) === QUOTE) {
        const quotedFrom = line;
        let parts = "";
        let from = i + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          if (close === -1) throw new CsvError("a quoted value is never closed (a \" without its partner).", quotedFrom);
          parts += text.slice(from, close);
          if (text.charCodeAt(close + 1) === QUOTE) {
            parts += '"';
            from = close + 2;
            continue;
          }
          i = close + 1;
          break;
        }
        for (let k = parts.indexOf("\n"); k !== -1; k = parts.indexOf("\n", k + 1)) line++;
        // A lone CR inside quotes is a line break too, for the line count.
        for (let k = parts.indexOf("\r"); k !== -1; k = parts.indexOf("\r", k + 1)) if (parts.charCodeAt(k + 1) !== LF) line++;
        value = parts;
        const next = text.charCodeAt(i);
        if (i < length && next !== sep && next !== CR && next !== LF) {
          throw new CsvError("there is text right after a closing quote; put the whole value inside the quotes.", line);
        }
      } else {
        let j = i;
        while (j < length) {
          const c = text.charCodeAt(j);
          if (c === sep || c === CR || c === LF) break;
          j++;
        }
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (i >= length) {
        ended = true;
      } else {
        const c = text.charCodeAt(i);
        if (c === sep) {
          i++;
          // A separator at the very end of the text still ends in an empty field.
          if (i >= length) {
            fields.push("");
            ended = true;
          }
        } else {
          ended = true;
        }
      }
    }
    const end = i;
    if (i < length) {
      if (text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF) i += 2;
      else i += 1;
      line++;
    }
    if (fields.some((f) => f !== "")) {
      if (records.length >= max) throw new CsvError(`the file has more than ${max.toLocaleString("en-US")} rows.`, startLine);
      records.push({ line: startLine, fields, raw: text.slice(start, end) });
    }
  }
  return records;
}
