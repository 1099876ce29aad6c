import { describe, expect, it } from "vitest";
import { describeIssue, formatBps, likelihoodsFor, parseScorecard, sameScorecard, scoreAnswers, type Scorecard } from "./ppi.ts";
import { handWorkedScorecard } from "../../tests/support/ppi-scorecard.ts";

// A three-question scorecard small enough to work by hand. The best answers add
// up to 25 + 15 + 20 = 60.
const FILE = handWorkedScorecard({ comment: "a hand-worked test scorecard", country: "ke", version: "test-1", title: "Test scorecard" });

function card(): Scorecard {
  const parsed = parseScorecard(FILE);
  if (!parsed.ok) throw new Error(parsed.issues.map(describeIssue).join("\n"));
  return parsed.scorecard;
}

function issuesOf(text: string) {
  const parsed = parseScorecard(text);
  if (parsed.ok) throw new Error("expected the file to be refused");
  return parsed.issues;
}

describe("parseScorecard", () => {
  it("reads the header, lines, questions with ids and points, and expands the bands to every score", () => {
    const c = card();
    expect(c).toMatchObject({ country: "KE", version: "test-1", title: "Test scorecard", isSample: true, povertyLines: ["National", "Extreme"] });
    expect(c.questions.map((q) => q.id)).toEqual(["q1", "q2", "q3"]);
    expect(c.questions[0]!.answers).toEqual([
      { id: "A", text: "Five or more", points: 0 },
      { id: "B", text: "Three or four", points: 10 },
      { id: "C", text: "One or two", points: 25 },
    ]);
    expect(c.lookup.National).toHaveLength(101);
    expect([c.lookup.National![0], c.lookup.National![9], c.lookup.National![10], c.lookup.National![49], c.lookup.National![100]]).toEqual([8000, 8000, 6025, 3500, 1000]);
    expect([c.lookup.Extreme![9], c.lookup.Extreme![24], c.lookup.Extreme![25]]).toEqual([4050, 2000, 875]);
  });

  it("reads a semicolon file with quoted text and decimal commas", () => {
    const semicolons = FILE.replace(/,/g, ";")
      .replace("title;Test scorecard", 'title;"Test; scorecard"')
      .replace("likelihood;0;9;80;40.5", "likelihood;0;9;80;40,5");
    const parsed = parseScorecard(semicolons);
    expect(parsed.ok && parsed.scorecard.title).toBe("Test; scorecard");
    expect(parsed.ok && parsed.scorecard.lookup.Extreme![0]).toBe(4050);
  });

  it("names the line and field of every problem", () => {
    const broken = FILE.replace("answer,Three or four,10", "answer,Three or four,ten")
      .replace("likelihood,10,24,60.25,20", "likelihood,10,24,60.25")
      .replace("likelihood,25,49,35,8.75", "likelihood,25,49,35,108")
      .replace("sample,yes", "sample,maybe")
      .replace("title,Test scorecard", "colour,blue");
    const issues = issuesOf(broken);
    expect(issues.map(describeIssue)).toEqual([
      expect.stringMatching(/^Line 4 \(row kind\): “colour” is not a kind of row/),
      expect.stringMatching(/^Line 5 \(sample\): Write yes if/),
      expect.stringMatching(/^Line 10 \(points\): Points are a whole number from 0 to 100/),
      expect.stringMatching(/^Line 19 \(likelihood\): Give one likelihood per poverty line \(2: National; Extreme\); this row has 1/),
      expect.stringMatching(/^Line 20 \(likelihood 2\): A likelihood cannot be more than 100%/),
      "title: The file has no title row (title,…).",
      "likelihood: No likelihood row covers the scores 10–49; the bands must cover 0 to 100.",
    ]);
  });

  it("refuses overlapping and missing bands, an answer before any question, and points adding up past 100", () => {
    const overlapping = FILE.replace("likelihood,25,49,35,8.75", "likelihood,20,49,35,8.75");
    expect(issuesOf(overlapping).map(describeIssue)).toContain("Line 20 (score from): Score 20 is already in the band on line 19; bands must not overlap.");

    const gap = FILE.replace("likelihood,50,100,10,1", "likelihood,50,98,10,1");
    expect(issuesOf(gap).map(describeIssue)).toContain("likelihood: No likelihood row covers the scores 99–100; the bands must cover 0 to 100.");

    const orphan = FILE.replace("question,How many people live in the household?\n", "");
    expect(issuesOf(orphan)[0]).toEqual({ line: 8, field: "answer", message: "An answer row must come after the question row it answers." });

    const tooMany = FILE.replace("answer,Yes,20", "answer,Yes,70");
    expect(issuesOf(tooMany).map(describeIssue)).toContain("points: The best answers add up to 110; the points of a scorecard add up to at most 100.");

    const twice = FILE.replace("version,test-1", "version,test-1\nversion,test-2");
    expect(issuesOf(twice).map(describeIssue)).toContain("Line 4 (version): The version is already given on line 3; give it once.");
  });

  it("warns, without refusing, when a likelihood rises with the score", () => {
    const parsed = parseScorecard(FILE.replace("likelihood,50,100,10,1", "likelihood,50,100,10,9"));
    expect(parsed.ok && parsed.warnings.map(describeIssue)).toEqual(["likelihood: For “Extreme” the likelihood rises from score 49 to 50; check the columns."]);
  });

  it("tells the same table apart from a changed one", () => {
    const again = parseScorecard(`\uFEFF${FILE.replace(/\n/g, "\r\n")}`);
    expect(again.ok && sameScorecard(card(), again.scorecard)).toBe(true);
    const changed = parseScorecard(FILE.replace("likelihood,50,100,10,1", "likelihood,50,100,10,2"));
    expect(changed.ok && sameScorecard(card(), changed.scorecard)).toBe(false);
  });
});

describe("scoring and lookup, worked by hand", () => {
  it("three or four people (10) + iron roof (15) + no phone (0) = 25: National 35.00%, Extreme 8.75%", () => {
    const result = scoreAnswers(card(), { q1: "B", q2: "B", q3: "A" });
    expect(result).toEqual({ ok: true, score: 25, answers: { q1: "B", q2: "B", q3: "A" } });
    expect(likelihoodsFor(card(), 25)).toEqual([
      { line: "National", bps: 3500 },
      { line: "Extreme", bps: 875 },
    ]);
  });

  it("the best answers (25 + 15 + 20 = 60) and the worst (0) land in the outer bands", () => {
    const best = scoreAnswers(card(), { q1: "C", q2: "B", q3: "B" });
    expect(best.ok && best.score).toBe(60);
    expect(likelihoodsFor(card(), 60).map((l) => l.bps)).toEqual([1000, 100]);
    const worst = scoreAnswers(card(), [["q1", "A"], ["q2", "A"], ["q3", "A"]]);
    expect(worst.ok && worst.score).toBe(0);
    expect(likelihoodsFor(card(), 0).map((l) => l.bps)).toEqual([8000, 4050]);
  });

  it("one score below a band's edge reads the band before it: 10 + 0 + 0 = 10 but 0 + 0 + 0 = 0", () => {
    const ten = scoreAnswers(card(), { q1: "B", q2: "A", q3: "A" });
    expect(ten.ok && likelihoodsFor(card(), ten.score).map((l) => l.bps)).toEqual([6025, 2000]);
  });

  it("every question answered exactly once, with one of its own answers", () => {
    expect(scoreAnswers(card(), { q1: "B", q3: "A" })).toEqual({ ok: false, errors: { q2: "Choose an answer." } });
    expect(scoreAnswers(card(), { q1: "D", q2: "A", q3: "A" })).toEqual({ ok: false, errors: { q1: "Choose one of the answers listed." } });
    expect(scoreAnswers(card(), [["q1", "A"], ["q1", "B"], ["q2", "A"], ["q3", "A"]])).toEqual({ ok: false, errors: { q1: "Choose one answer only." } });
    expect(scoreAnswers(card(), { q1: "A", q2: "A", q3: "A", q9: "A" })).toEqual({ ok: false, errors: { "": "There is no question q9 on this scorecard." } });
  });

  it("refuses a score outside 0..100 and formats basis points exactly", () => {
    expect(() => likelihoodsFor(card(), 101)).toThrow(RangeError);
    expect(() => likelihoodsFor(card(), 2.5)).toThrow(RangeError);
    expect([formatBps(875), formatBps(10_000), formatBps(0), formatBps(4050)]).toEqual(["8.75%", "100.00%", "0.00%", "40.50%"]);
  });
});

describe("the sample scorecards shipped for the demo", () => {
  it("parse cleanly, say they are sample data, and have ten questions adding up to 100", async () => {
    const fs = await import("node:fs");
    const path = await import("node:path");
    const dir = path.resolve(import.meta.dirname, "../../prisma/ppi");
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".csv"));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const parsed = parseScorecard(fs.readFileSync(path.join(dir, file), "utf8"));
      if (!parsed.ok) throw new Error(`${file}: ${parsed.issues.map(describeIssue).join("; ")}`);
      expect(parsed.warnings).toEqual([]);
      expect(parsed.scorecard.isSample).toBe(true);
      expect(parsed.scorecard.title).toMatch(/SAMPLE/);
      expect(parsed.scorecard.questions).toHaveLength(10);
      expect(parsed.scorecard.questions.reduce((sum, q) => sum + Math.max(...q.answers.map((a) => a.points)), 0)).toBe(100);
    }
  });
});
