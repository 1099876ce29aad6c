import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvError, guessDelimiter, parseCsv } from "./csv.ts";
import { csvCell, csvRow } from "./wallet.ts";

const fields = (text: string) => parseCsv(text).map((r) => r.fields);

describe("parseCsv", () => {
  it("reads plain records with LF, CRLF and lone CR line breaks alike", () => {
    const expected = [["a", "b"], ["1", "2"], ["3", "4"]];
    expect(fields("a,b\n1,2\n3,4")).toEqual(expected);
    expect(fields("a,b\r\n1,2\r\n3,4\r\n")).toEqual(expected);
    expect(fields("a,b\r1,2\r3,4\r")).toEqual(expected);
    expect(fields("a,b\n1,2\r\n3,4\r")).toEqual(expected);
  });

  it("takes quoted values whole: separators, escaped quotes and line breaks inside them", () => {
    expect(fields('ref,note\nMV-1,"1,500.50"\nMV-2,"she said ""paid"""\nMV-3,"two\nlines"\n')).toEqual([
      ["ref", "note"],
      ["MV-1", "1,500.50"],
      ["MV-2", 'she said "paid"'],
      ["MV-3", "two\nlines"],
    ]);
    expect(fields('""\n"",x')).toEqual([["", "x"]]);
  });

  it("numbers each record by the line it starts on, counting line breaks inside quotes and the blank lines skipped", () => {
    const records = parseCsv('h1,h2\n\nA,"x\r\ny"\n\r\nB,2\n,,\nC,3');
    expect(records.map((r) => [r.line, r.fields[0]])).toEqual([
      [1, "h1"],
      [3, "A"],
      [6, "B"],
      [8, "C"],
    ]);
    expect(records[1]!.raw).toBe('A,"x\r\ny"');
  });

  it("drops a byte-order mark, so the first column's name is clean", () => {
    expect(fields("\uFEFFloan reference,date\nMV-1,2026-01-02")[0]).toEqual(["loan reference", "date"]);
  });

  it("keeps empty fields, including one after a final separator", () => {
    expect(fields("a,,c,\n,b,,")).toEqual([
      ["a", "", "c", ""],
      ["", "b", "", ""],
    ]);
  });

  it("reads nothing from an empty file or one of blank lines", () => {
    expect(parseCsv("")).toEqual([]);
    expect(parseCsv("\uFEFF")).toEqual([]);
    expect(parseCsv("\n\r\n,,,\n")).toEqual([]);
  });

  it("refuses an unclosed quote and text after a closing quote, naming the line", () => {
    const unclosed = (() => {
      try {
        parseCsv('a,b\n1,2\nMV-3,"1500\n4,5\n');
      } catch (error) {
        return error;
      }
    })();
    expect(unclosed).toBeInstanceOf(CsvError);
    expect((unclosed as CsvError).line).toBe(3);
    expect((unclosed as CsvError).message).toMatch(/^Line 3: a quoted value is never closed/);
    expect(() => parseCsv('a,b\n"1"2,3\n')).toThrow(/^Line 2: there is text right after a closing quote/);
  });

  it("stops at the record limit, naming the line where it went over", () => {
    expect(parseCsv("h\n1\n2", { maxRecords: 3 })).toHaveLength(3);
    expect(() => parseCsv("h\n1\n2\n3", { maxRecords: 3 })).toThrow(/^Line 4: the file has more than 3 rows/);
  });

  it("reads files separated by semicolons or tabs, as spreadsheets in many locales save them", () => {
    expect(guessDelimiter("a;b;c\n1,5;2;3")).toBe(";");
    expect(guessDelimiter('"x,y";b\n')).toBe(";");
    expect(guessDelimiter("a\tb")).toBe("\t");
    expect(guessDelimiter("a,b;c")).toBe(",");
    expect(fields("loan;date;amount\nMV-1;2026-01-02;1500,50")).toEqual([
      ["loan", "date", "amount"],
      ["MV-1", "2026-01-02", "1500,50"],
    ]);
  });

  it("reads back exactly what the wallet export writes (any text, any line breaks)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ unit: "binary" }), { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 20 }),
        (rows) => {
          const cells = rows.map((row) => row.map((value) => csvCell(value, { raw: true })));
          const text = cells.map(csvRow).join("");
          const expected = rows.filter((row) => row.some((value) => value !== ""));
          expect(fields(text)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads 100,000 lines quickly", () => {
    const text = `loan reference,date,local amount,rate\n${"MV-KE-0001,2026-01-02,1500.50,129.5\n".repeat(100_000)}`;
    const started = performance.now();
    expect(parseCsv(text)).toHaveLength(100_001);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
