import { describe, expect, it } from "vitest";
import {
  addQuarters,
  cellShown,
  complementarySuppression,
  decideShown,
  filterParams,
  filterSubsets,
  levelOf,
  parentPath,
  parsePortalQuery,
  portalSearch,
  parseQuarter,
  quarterLabel,
  quarterOf,
  quartersBetween,
  quarterStart,
  socialFilterKey,
  withheldValues,
  type CrossTable,
  type NodeCounts,
  type SocialFilter,
} from "./impact.ts";

describe("quarters", () => {
  it("reads, steps and labels quarters by the calendar", () => {
    expect(parseQuarter("2026-q3")).toBe("2026-Q3");
    expect(parseQuarter("2026-Q5")).toBeNull();
    expect(parseQuarter("last year")).toBeNull();
    expect(quarterOf(new Date("2026-03-31T23:59:59Z"))).toBe("2026-Q1");
    expect(quarterOf(new Date("2026-04-01T00:00:00Z"))).toBe("2026-Q2");
    expect(addQuarters("2026-Q4", 1)).toBe("2027-Q1");
    expect(addQuarters("2026-Q1", -1)).toBe("2025-Q4");
    expect(quarterStart("2026-Q3").toISOString()).toBe("2026-07-01T00:00:00.000Z");
    expect(quartersBetween("2025-Q4", "2026-Q2")).toEqual(["2025-Q4", "2026-Q1", "2026-Q2"]);
    expect(quartersBetween("2026-Q2", "2026-Q1")).toEqual([]);
    expect(quarterLabel("2026-Q3")).toBe("Jul–Sep 2026");
  });
});

describe("the path", () => {
  it("needs every level above the one it names", () => {
    expect(levelOf({})).toEqual({ level: "platform" });
    expect(levelOf({ country: "KE", region: "Nakuru", partner: "p" })).toEqual({ level: "partner" });
    expect(levelOf({ country: "KE", partner: "p" })).toHaveProperty("error");
    expect(levelOf({ country: "KE", region: "Nakuru", partner: "p", client: "c" })).toEqual({ level: "client" });
    expect(parentPath({ country: "KE", region: "R", partner: "p", group: "g", client: "c" })).toEqual({ country: "KE", region: "R", partner: "p", group: "g" });
    expect(parentPath({ country: "KE", region: "R", partner: "p", client: "c" })).toEqual({ country: "KE", region: "R", partner: "p" });
  });

  it("refuses a bad query with an error naming the field, and fills in defaults", () => {
    const now = new Date("2026-11-23T00:00:00Z");
    const bad = parsePortalQuery(new URLSearchParams("from=2026-Q9&gender=none"), now);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.some((e) => e.startsWith("from:"))).toBe(true);
      expect(bad.errors.some((e) => e.startsWith("gender:"))).toBe(true);
    }
    const good = parsePortalQuery(new URLSearchParams("country=ke&region=Nakuru"), now);
    expect(good).toMatchObject({ ok: true, path: { country: "KE", region: "Nakuru" }, filters: { from: "2025-Q1", to: "2026-Q4", gender: null } });
    expect(parsePortalQuery(new URLSearchParams("from=2020-Q1&to=2026-Q1"), now).ok).toBe(false);
  });
});

describe("one figure", () => {
  it("hides 4 clients and shows 5, unless the viewer knows them all", () => {
    expect(cellShown({ clients: 4, known: 0 })).toBe(false);
    expect(cellShown({ clients: 5, known: 0 })).toBe(true);
    expect(cellShown({ clients: 4, known: 4 })).toBe(true);
    // Knowing one of five leaves four others: subtracting what they know would describe those four.
    expect(cellShown({ clients: 5, known: 1 })).toBe(false);
    expect(cellShown({ clients: 0, known: 0 })).toBe(false);
  });

  it("shows a filtered figure only when the rest of the population is none or at least 5 too", () => {
    const all = { clients: 10, known: 0 };
    expect(cellShown({ clients: 9, known: 0 }, [all])).toBe(false); // the other 1 = all − filtered
    expect(cellShown({ clients: 5, known: 0 }, [all])).toBe(true);
    expect(cellShown({ clients: 6, known: 0 }, [all])).toBe(false);
    expect(cellShown({ clients: 10, known: 0 }, [all])).toBe(true);
  });

  it("with two filters, weighs each view one filter less, and the people matching neither", () => {
    // A node of 40: 7 women, 20 rural, 5 rural women. Women minus rural women = 2 urban women: withheld.
    const none = { clients: 40, known: 0 };
    const women = { clients: 7, known: 0 };
    const rural = { clients: 20, known: 0 };
    expect(cellShown({ clients: 5, known: 0 }, [none, women, rural])).toBe(false);
    // 10 women: 5 rural, 5 urban women; 15 rural men; 15 urban men: every part passes.
    expect(cellShown({ clients: 5, known: 0 }, [none, { clients: 10, known: 0 }, rural])).toBe(true);
    // Rural minus rural women = 3 rural men: withheld.
    expect(cellShown({ clients: 5, known: 0 }, [none, { clients: 10, known: 0 }, { clients: 8, known: 0 }])).toBe(false);
    // With 27 in all, the people neither women nor rural are 27 − 10 − 20 + 5 = 2: withheld, though each view one filter less passes.
    expect(cellShown({ clients: 5, known: 0 }, [{ clients: 27, known: 0 }, { clients: 10, known: 0 }, rural])).toBe(false);
    // Known clients come out of every view alike: the staff's own 2 urban women leave none unknown there.
    expect(cellShown({ clients: 5, known: 0 }, [{ clients: 40, known: 2 }, { clients: 7, known: 2 }, rural])).toBe(true);
  });

  it("with three filters, weighs all eight parts", () => {
    // 8 of each combination of woman/man × rural/urban × farming/other: every part 8.
    const c = (n: number) => ({ clients: n, known: 0 });
    const wider = [c(64), c(32), c(32), c(16), c(32), c(16), c(16)];
    expect(cellShown(c(8), wider)).toBe(true);
    // One fewer farming rural man (the part matching only "rural" and "farming"): 7 there, still ≥ 5…
    expect(cellShown(c(8), [c(63), c(32), c(31), c(16), c(31), c(16), c(15)])).toBe(true);
    // …but 4 rural farming men (four fewer) are withheld: rural farmers minus rural farming women.
    expect(cellShown(c(8), [c(60), c(32), c(28), c(16), c(28), c(16), c(12)])).toBe(false);
    // 4 urban farming men (farming only): every view one filter less passes, the four-view difference does not.
    expect(cellShown(c(8), [c(60), c(32), c(32), c(16), c(28), c(16), c(16)])).toBe(false);
    expect(() => cellShown(c(8), [c(64), c(32)])).toThrow(/one per smaller set/);
  });
});

describe("complementary suppression", () => {
  it("withholds the smallest shown siblings until the rest is none or at least 5", () => {
    // Parent 20: children 4 (hidden by its own rule), 6, 10 → the rest would be 4; withholding the 6 makes it 10.
    const extra = complementarySuppression(20, true, [
      { key: "a", others: 4, shown: false },
      { key: "b", others: 6, shown: true },
      { key: "c", others: 10, shown: true },
    ]);
    expect([...extra]).toEqual(["b"]);
  });

  it("counts children the viewer may not see as withheld", () => {
    // The viewer is listed only b and c; a (3 clients) is not theirs: the parent minus b and c would give a away.
    expect([...complementarySuppression(19, true, [{ key: "a", others: 3, shown: false }, { key: "b", others: 6, shown: true }, { key: "c", others: 10, shown: true }])]).toEqual(["b"]);
  });

  it("does nothing when the rest is already safe, or the parent is not shown", () => {
    expect(complementarySuppression(20, true, [{ key: "a", others: 10, shown: true }, { key: "b", others: 10, shown: true }]).size).toBe(0);
    expect(complementarySuppression(20, true, [{ key: "a", others: 5, shown: false }, { key: "b", others: 15, shown: true }]).size).toBe(0);
    expect(complementarySuppression(4, false, [{ key: "a", others: 2, shown: false }, { key: "b", others: 2, shown: true }]).size).toBe(0);
  });

  it("never withholds a child the viewer knows in full (it is on its own page anyway)", () => {
    expect(complementarySuppression(12, true, [{ key: "own", others: 0, shown: true }, { key: "x", others: 2, shown: false }, { key: "y", others: 10, shown: true }])).toEqual(new Set(["y"]));
  });
});

describe("a view's decisions", () => {
  const counts = (entries: [string, number, number?][]) =>
    new Map<string, NodeCounts>(entries.map(([k, clients, known = 0]) => [k, { filtered: { clients, known } }]));

  it("decides a node alike on its own page and in its parent's table", () => {
    const childrenOf = new Map([
      ["P", ["C1", "C2", "C3"]],
      ["C2", ["R1", "R2"]],
    ]);
    const c = counts([["P", 30], ["C1", 4], ["C2", 6], ["C3", 20], ["R1", 3], ["R2", 3]]);
    const fromTop = decideShown(["P"], childrenOf, c, () => true);
    const onC2 = decideShown(["P", "C2"], childrenOf, c, () => true);
    // C1 (4) is hidden; the rest would be 4, so C2 (6, the smallest shown) goes too: on both pages.
    expect(fromTop.has("C2")).toBe(false);
    expect(onC2.has("C2")).toBe(false);
    expect(onC2.has("C3")).toBe(true);
    expect(onC2.has("R1") || onC2.has("R2")).toBe(false);
  });
});

describe("social filter keys", () => {
  it("name the filters on in the order gender, area, sector, and list every smaller set", () => {
    expect(socialFilterKey({ gender: null, area: null, sector: null })).toBe("");
    expect(socialFilterKey({ gender: "female", area: null, sector: null })).toBe("gender:female");
    expect(socialFilterKey({ sector: "Agriculture", area: "rural", gender: "female" })).toBe("gender:female;area:rural;sector:Agriculture");
    expect(filterSubsets({ gender: null, area: "rural", sector: "Retail" }).map(socialFilterKey)).toEqual(["", "area:rural", "sector:Retail", "area:rural;sector:Retail"]);
  });

  it("the query string takes gender, area and sector together and links keep all three", () => {
    const now = new Date("2026-11-23T00:00:00Z");
    const q = parsePortalQuery(new URLSearchParams("gender=female&area=rural&sector=Agriculture"), now);
    expect(q).toMatchObject({ ok: true, filters: { gender: "female", area: "rural", sector: "Agriculture" } });
    if (!q.ok) return;
    expect(portalSearch({}, filterParams(q.filters))).toContain("gender=female&area=rural&sector=Agriculture");
  });
});

describe("values of one field", () => {
  /** A node's clients, none known to the viewer: one count per gender/area/sector combination (unset = any). */
  const table = (people: [gender: string | null, area: string | null, sector: string | null, n: number][]): CrossTable => ({
    values: (field) =>
      ({ gender: ["female", "male", "other", "unspecified"], area: ["rural", "urban", "unknown"], sector: ["Agriculture", "Retail", "Trade"] })[field],
    // A person counts under a filter set when each filter on matches them; one with no gender (a group loan) under none.
    others: (set: SocialFilter) =>
      people.reduce(
        (sum, [gender, area, sector, n]) =>
          (!set.gender || set.gender === gender) && (!set.area || set.area === area) && (!set.sector || set.sector === sector) ? sum + n : sum,
        0,
      ),
  });
  const sorted = (m: Map<string, Set<string>>) => Object.fromEntries([...m].map(([f, v]) => [f, [...v].sort()]));
  // 13 women (6 rural, 5 urban, 2 of unknown area), 8 rural men, 3 rural clients whose gender is not recorded.
  const mixed = table([
    ["female", "rural", "Agriculture", 6],
    ["female", "urban", "Agriculture", 5],
    ["female", "unknown", "Agriculture", 2],
    ["male", "rural", "Agriculture", 8],
    ["unspecified", "rural", "Agriculture", 3],
  ]);

  it("withholds a small value, then the next smallest, so that everyone less the values shown is not 1 to 4", () => {
    // Unspecified 3: withheld; everyone (24) − women (13) − men (8) would still give them, so men go too.
    expect(sorted(withheldValues(mixed, ["gender"]))).toEqual({ gender: ["male", "unspecified"] });
    // Areas: unknown 2, then urban 5 (the smaller of rural 17 and urban 5).
    expect(sorted(withheldValues(mixed, ["area"]))).toEqual({ area: ["unknown", "urban"] });
  });

  it("keeps over two fields what each withholds alone, so rural men cannot be taken from everyone less the women", () => {
    // With men shown among rural clients, 24 − 13 women − 8 rural men would be the 3 of no recorded gender.
    // Left: female or the rest × rural or the rest: 6, 7, 11, 0. Rural women shown; nothing else withheld.
    expect(sorted(withheldValues(mixed, ["gender", "area"]))).toEqual({ gender: ["male", "unspecified"], area: ["unknown", "urban"] });
  });

  it("counts loans under no value (a group loan has no gender) with the withheld values", () => {
    // 6 women's loans, 6 men's, and 2 group loans: shown both, everyone − women − men = the 2 group loans.
    const loans = table([
      ["female", null, "Agriculture", 6],
      ["male", null, "Agriculture", 6],
      [null, null, "Retail", 2],
    ]);
    expect(sorted(withheldValues(loans, ["gender"]))).toEqual({ gender: ["female"] });
  });

  it("withholds every combination of a table whose margins give its small cells away", () => {
    // Women 10, men 10, rural 10, urban 10, but 8 rural women and 2 urban: any one cell gives all four.
    const diagonal = table([
      ["female", "rural", "Retail", 8],
      ["female", "urban", "Retail", 2],
      ["male", "rural", "Retail", 2],
      ["male", "urban", "Retail", 8],
    ]);
    expect(sorted(withheldValues(diagonal, ["gender"]))).toEqual({ gender: [] });
    expect(sorted(withheldValues(diagonal, ["area"]))).toEqual({ area: [] });
    const both = withheldValues(diagonal, ["gender", "area"]);
    // Every gender or every area withheld: no combination is shown.
    expect(["female", "male"].every((g) => both.get("gender")!.has(g)) || ["rural", "urban"].every((a) => both.get("area")!.has(a))).toBe(true);
  });

  it("leaves every cell of the table, and of each smaller one, empty or at least 5, on random tables", () => {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const genders = ["female", "male", "other", "unspecified"];
    const areas = ["rural", "urban", "unknown"];
    for (let round = 0; round < 200; round++) {
      // Small counts, often 0 to 4, and sometimes loans under no gender or area (group loans).
      const rows: [string | null, string | null, string | null, number][] = [];
      for (const g of [...genders, null]) for (const a of [...areas, null]) if (random() < 0.5) rows.push([g, a, "Retail", Math.floor(random() ** 2 * 12)]);
      const withheld = withheldValues(table(rows), ["gender", "area"]);
      // The table left, worked out from the rows themselves: each shown value, and the rest of each field as one.
      const cellOf = (value: string | null, shown: string[], hidden: Set<string>) => (value !== null && shown.includes(value) && !hidden.has(value) ? value : "rest");
      for (const [useGender, useArea] of [[true, false], [false, true], [true, true]]) {
        const cells = new Map<string, number>();
        for (const [g, a, , n] of rows) {
          const key = `${useGender ? cellOf(g, genders, withheld.get("gender")!) : "*"}|${useArea ? cellOf(a, areas, withheld.get("area")!) : "*"}`;
          cells.set(key, (cells.get(key) ?? 0) + n);
        }
        for (const [key, n] of cells) expect(n === 0 || n >= 5, `round ${round}: cell ${key} holds ${n}`).toBe(true);
      }
    }
  });

  it("withholds nothing when every cell is empty or at least 5, or the viewer knows everyone", () => {
    const even = table([
      ["female", "rural", "Agriculture", 5],
      ["female", "urban", "Retail", 5],
      ["male", "rural", "Trade", 5],
      ["male", "urban", "Agriculture", 5],
    ]);
    expect(sorted(withheldValues(even, ["gender", "area", "sector"]))).toEqual({ gender: [], area: [], sector: [] });
    const allKnown: CrossTable = { values: mixed.values, others: () => 0 };
    expect(sorted(withheldValues(allKnown, ["gender", "area"]))).toEqual({ gender: [], area: [] });
  });
});
