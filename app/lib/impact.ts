// Pure rules of the impact portal: quarters, the drill-down path, and when a
// figure may be shown (docs/decisions/021-impact-portal-scoping-and-suppression.md).
// Shared by the model, the pages and the CSV export so all three agree.
import { z } from "zod";
import { CLIENT_AREAS, MIN_CLIENTS, shareBps } from "./impact-public.ts";

// The public page and the portal share one threshold and one way to compute a share.
export { MIN_CLIENTS, shareBps };

// --- Quarters ------------------------------------------------------------------

/** A calendar quarter as "2026-Q3". */
export type Quarter = `${number}-Q${1 | 2 | 3 | 4}`;

const QUARTER_RE = /^(\d{4})-Q([1-4])$/;

export function parseQuarter(text: string | null | undefined): Quarter | null {
  const match = QUARTER_RE.exec((text ?? "").trim().toUpperCase());
  if (!match) return null;
  const year = Number(match[1]);
  if (year < 2000 || year > 2100) return null;
  return `${year}-Q${Number(match[2])}` as Quarter;
}

/** The quarter a day falls in, by its UTC calendar day. */
export function quarterOf(date: Date): Quarter {
  return `${date.getUTCFullYear()}-Q${Math.floor(date.getUTCMonth() / 3) + 1}` as Quarter;
}

function parts(q: Quarter): [number, number] {
  const match = QUARTER_RE.exec(q)!;
  return [Number(match[1]), Number(match[2])];
}

/** First day of the quarter, midnight UTC (the `quarter` column of the rollups). */
export function quarterStart(q: Quarter): Date {
  const [year, n] = parts(q);
  return new Date(Date.UTC(year, (n - 1) * 3, 1));
}

export function addQuarters(q: Quarter, count: number): Quarter {
  const [year, n] = parts(q);
  const index = year * 4 + (n - 1) + count;
  return `${Math.floor(index / 4)}-Q${(index % 4) + 1}` as Quarter;
}

/** Every quarter from `from` to `to`, both included; empty when `to` is before `from`. */
export function quartersBetween(from: Quarter, to: Quarter): Quarter[] {
  const out: Quarter[] = [];
  for (let q = from; quarterStart(q) <= quarterStart(to); q = addQuarters(q, 1)) out.push(q);
  return out;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Jul–Sep 2026": what a reader understands without knowing a fiscal calendar. */
export function quarterLabel(q: Quarter): string {
  const [year, n] = parts(q);
  return `${MONTHS[(n - 1) * 3]}–${MONTHS[(n - 1) * 3 + 2]} ${year}`;
}

/** The default range: the eight quarters up to and including the current one. */
export function defaultQuarterRange(now: Date): { from: Quarter; to: Quarter } {
  const to = quarterOf(now);
  return { from: addQuarters(to, -7), to };
}

/** A range no longer than this many quarters keeps a view to a handful of rows. */
export const MAX_QUARTERS = 20;

// --- The drill-down path ---------------------------------------------------------

/** Platform > Country > Region > Partner > Group > Client. */
export type NodePath = {
  country?: string;
  region?: string;
  partner?: string;
  group?: string;
  client?: string;
};

export type NodeLevel = "platform" | "country" | "region" | "partner" | "group" | "client";

export const LEVEL_NAMES: Record<NodeLevel, string> = {
  platform: "All countries",
  country: "Country",
  region: "Region",
  partner: "Partner",
  group: "Group",
  client: "Client",
};

/**
 * The node a path names, or an error naming the part that is missing: each part
 * needs the ones above it (a region is only a region within its country). A
 * client may sit directly under a partner (clients in no group).
 */
export function levelOf(path: NodePath): { level: NodeLevel } | { error: string } {
  const { country, region, partner, group, client } = path;
  if (client) {
    if (!partner || !region || !country) return { error: "A client is opened within its country, region and partner." };
    return { level: "client" };
  }
  if (group) {
    if (!partner || !region || !country) return { error: "A group is opened within its country, region and partner." };
    return { level: "group" };
  }
  if (partner) {
    if (!region || !country) return { error: "A partner is opened within a country and region." };
    return { level: "partner" };
  }
  if (region) {
    if (!country) return { error: "A region is opened within its country." };
    return { level: "region" };
  }
  return { level: country ? "country" : "platform" };
}

/** The path one level up, for the breadcrumb. */
export function parentPath(path: NodePath): NodePath | null {
  const r = levelOf(path);
  if ("error" in r) return null;
  switch (r.level) {
    case "platform":
      return null;
    case "country":
      return {};
    case "region":
      return { country: path.country };
    case "partner":
      return { country: path.country, region: path.region };
    case "group":
      return { country: path.country, region: path.region, partner: path.partner };
    case "client":
      return path.group
        ? { country: path.country, region: path.region, partner: path.partner, group: path.group }
        : { country: path.country, region: path.region, partner: path.partner };
  }
}

/** Query-string parameters of a path and filters, in a fixed order (stable links). */
export function portalSearch(path: NodePath, filters: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const key of ["country", "region", "partner", "group", "client"] as const) {
    const value = path[key];
    if (value) params.set(key, value);
  }
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}

// --- Who may open which level ----------------------------------------------------

/**
 * How far down a viewer may go. The public sees platform and country figures;
 * anyone with a partner in view (staff, a funder) also the regions holding it
 * and the partner's own subtree, as the model checks node by node.
 */
export type ViewerKind = "admin" | "scoped" | "public";

export function levelOpenTo(kind: ViewerKind, level: NodeLevel): boolean {
  if (kind === "admin" || kind === "scoped") return true;
  return level === "platform" || level === "country";
}

// --- Suppression -----------------------------------------------------------------

/**
 * A count of clients may be shown when the clients the viewer has no
 * client-level rights for number none or at least MIN_CLIENTS: a figure over one
 * to four such people would describe them nearly individually. `others` is the
 * count minus the clients the viewer sees one by one anyway (their own partner's
 * clients for staff, consented client rows for a funder), so subtracting what
 * they already know cannot leave one to four people either.
 */
export function othersAllowed(others: number): boolean {
  return others <= 0 || others >= MIN_CLIENTS;
}

export type CellCounts = {
  /** Clients the figure is over (after any filter). */
  clients: number;
  /** Of those, the ones the viewer has client-level rights for or sees row by row. */
  known: number;
};

/**
 * Whether one aggregate may be shown. With filters (gender, area, sector, in
 * any combination) the counts of the same node under every smaller set of those
 * filters are given too, as `wider[mask]`: bit i of the mask keeps the i-th
 * filter set (in the order gender, area, sector), so with one filter `wider` is
 * just the unfiltered counts, with two it is [none, first, second]. Any two or
 * more of those views can be added and subtracted; what they can isolate is
 * exactly the people matching some of the filters and not the others, so the
 * figure is shown only when each such part passes too (docs/decisions/025).
 * With one filter that is "the rest (unfiltered minus filtered) passes"; it
 * includes every view one filter less minus this one.
 */
export function cellShown(filtered: CellCounts, wider: readonly CellCounts[] = []): boolean {
  if (filtered.clients === 0) return false; // nothing to show: an empty cell, not a figure
  if (!othersAllowed(filtered.clients - filtered.known)) return false;
  if (wider.length === 0) return true;
  const full = wider.length; // 2^k − 1: the mask with every filter
  if ((full & (full + 1)) !== 0) throw new Error(`cellShown: ${full} wider views is not one per smaller set of filters`);
  const others = (mask: number) => {
    const c = mask === full ? filtered : wider[mask]!;
    return c.clients - c.known;
  };
  for (let part = 0; part < full; part++) {
    // Inclusion–exclusion over the views between this part's filters and all of them.
    let n = 0;
    for (let view = part; view <= full; view = (view + 1) | part) {
      n += popcount(view ^ part) % 2 === 0 ? others(view) : -others(view);
    }
    if (!othersAllowed(n)) return false;
  }
  return true;
}

function popcount(n: number): number {
  let bits = 0;
  for (let m = n; m > 0; m &= m - 1) bits++;
  return bits;
}

export type SiblingCell = {
  key: string;
  /** Clients the viewer has no client-level rights for. */
  others: number;
  /** Shown by its own rule (and listed for this viewer). */
  shown: boolean;
};

/**
 * Complementary suppression among the children of one shown parent: the parent
 * minus the children shown is what a reader can compute for the rest. When that
 * rest is one to four clients, more children are withheld, smallest first,
 * until it is none or at least MIN_CLIENTS. Children the viewer may not see at
 * all count as withheld (they are part of the rest). Returns the keys withheld
 * in addition to those already not shown.
 */
export function complementarySuppression(parentOthers: number, parentShown: boolean, children: readonly SiblingCell[]): Set<string> {
  const extra = new Set<string>();
  if (!parentShown) return extra;
  const shown = children.filter((c) => c.shown);
  let rest = parentOthers - shown.reduce((sum, c) => sum + c.others, 0);
  // Smallest first: the least information withheld; ties by key so every view decides alike.
  const candidates = shown
    // A child with no unknown clients (the viewer's own partner, a client row they may open)
    // is visible on its own page anyway: withholding it here would hide nothing.
    .filter((c) => c.others > 0)
    .sort((a, b) => a.others - b.others || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const child of candidates) {
    if (rest <= 0 || rest >= MIN_CLIENTS) break;
    extra.add(child.key);
    rest += child.others;
  }
  return extra;
}

/**
 * The whole decision for one parent and its children in one quarter: each
 * child's own rule, then complementary suppression. Returns the keys shown.
 */
export function shownChildren(
  parent: { others: number; shown: boolean },
  children: readonly (SiblingCell & { ownRule: boolean })[],
): Set<string> {
  const cells = children.map((c) => ({ ...c, shown: c.shown && c.ownRule }));
  const extra = complementarySuppression(parent.others, parent.shown, cells);
  return new Set(cells.filter((c) => c.shown && !extra.has(c.key)).map((c) => c.key));
}

// --- Figures -----------------------------------------------------------------------

/** What a withheld cell says, on the page and in the CSV's note column. */
export const SUPPRESSED_NOTE = "Withheld: too few clients to show without identifying someone";

export const RETENTION_DEFINITION =
  "Client retention: of the clients with a loan running in the previous quarter, the share who also have one running in this quarter.";

export const REACH_DEFINITION =
  "Clients reached: clients with a loan running at any time in the quarter (from disbursal until repaid, defaulted, written off or due to end); a group loan reaches the group's members.";

// --- One view's decisions ------------------------------------------------------------

export type NodeCounts = {
  /** The figure's own population (after any filter). */
  filtered: CellCounts;
  /** Under every smaller set of the filters on, when any is (see cellShown). */
  wider?: readonly CellCounts[];
  /** False when a filter's value is withheld at this node among its field's values (withheldValues). */
  valuesShown?: boolean;
};

/**
 * Which nodes of one view may show a figure, for one indicator and quarter. The
 * decision runs from the top of the path down, each parent deciding among all
 * its children, so a node is shown or withheld alike on its own page and in its
 * parent's table: two views never disagree in a way that could be subtracted.
 * `pathKeys` runs from the platform to the node on view; `childrenOf` lists
 * every child with data (listed to this viewer or not); `listed` says which the
 * viewer may see at all. Returns the keys shown, among the path and the
 * children of every node on it.
 */
export function decideShown(
  pathKeys: readonly string[],
  childrenOf: ReadonlyMap<string, readonly string[]>,
  counts: ReadonlyMap<string, NodeCounts>,
  listed: (key: string) => boolean,
): Set<string> {
  const shown = new Set<string>();
  const others = (key: string) => {
    const c = counts.get(key)?.filtered;
    return c ? c.clients - c.known : 0;
  };
  const own = (key: string) => {
    const c = counts.get(key);
    return c ? cellShown(c.filtered, c.wider) && c.valuesShown !== false : false;
  };
  const root = pathKeys[0];
  if (root === undefined) return shown;
  if (own(root)) shown.add(root);
  for (let i = 0; i < pathKeys.length; i++) {
    const parent = pathKeys[i]!;
    const children = childrenOf.get(parent) ?? [];
    const decided = shownChildren(
      { others: others(parent), shown: shown.has(parent) },
      children.map((key) => ({ key, others: others(key), shown: listed(key), ownRule: own(key) })),
    );
    for (const key of decided) shown.add(key);
    const next = pathKeys[i + 1];
    // The next node on the path is decided here, as one of its parent's children.
    if (next !== undefined && !decided.has(next)) shown.delete(next);
  }
  return shown;
}

// --- Social filters ----------------------------------------------------------------------

/** The filters of the social figures, in the order a rollup key names them. */
export const SOCIAL_FILTER_FIELDS = ["gender", "area", "sector"] as const;

export type SocialFilter = { gender: string | null; area: string | null; sector: string | null };

/**
 * The social_rollups `filter` of a set of filters: each one on as `field:value`,
 * joined by ';' in the order gender, area, sector ('' for none), e.g.
 * 'gender:female;area:rural'. social_filter_keys() in the rebuild builds the
 * same strings (migration 20261123050000_social_filter_combinations).
 */
export function socialFilterKey(f: SocialFilter): string {
  return SOCIAL_FILTER_FIELDS.flatMap((field) => (f[field] ? [`${field}:${f[field]}`] : [])).join(";");
}

/**
 * Every set of filters within the given one, indexed by mask: bit i keeps the
 * i-th filter on (gender, area, sector order). Index 0 is no filter; the last
 * is the given set. A figure's suppression weighs all of them (cellShown).
 */
export function filterSubsets(f: SocialFilter): SocialFilter[] {
  const on = SOCIAL_FILTER_FIELDS.filter((field) => f[field]);
  return Array.from({ length: 1 << on.length }, (_, mask) => {
    const subset: SocialFilter = { gender: null, area: null, sector: null };
    on.forEach((field, i) => {
      if (mask & (1 << i)) subset[field] = f[field];
    });
    return subset;
  });
}

/**
 * The filters on, in words, for the page and the CSV ("" for none):
 * "gender: female; area: rural; sector: Agriculture".
 */
export function filterSummary(f: SocialFilter): string {
  return SOCIAL_FILTER_FIELDS.flatMap((field) => (f[field] ? [`${field}: ${f[field]}`] : [])).join("; ");
}

// --- The query string -------------------------------------------------------------------

export const GENDERS = ["female", "male", "other", "unspecified"] as const;
export const AREAS = CLIENT_AREAS;

export type PortalFilters = {
  from: Quarter;
  to: Quarter;
  scorecard: string | null;
  line: string | null;
  gender: (typeof GENDERS)[number] | null;
  area: (typeof AREAS)[number] | null;
  sector: string | null;
};

export type FilterField = (typeof SOCIAL_FILTER_FIELDS)[number];

/**
 * A node's clients (or loans) across some filter fields, for one figure and
 * quarter: each field's values there, and the clients the viewer does not know
 * under any set of filters on those fields (0 for a combination nobody is in).
 */
export type CrossTable = {
  values: (field: FilterField) => readonly string[];
  /** `key` is socialFilterKey(set). */
  others: (set: SocialFilter, key: string) => number;
};

/**
 * The values of each of `fields` that figures over exactly those fields may not
 * show at a node (docs/decisions/025, values of one field). Figures over the
 * same fields are sums of the cells of one cross table (gender × area, say),
 * and every figure over fewer fields is a sum of its rows or columns, so a
 * reader can add and subtract any of them: everyone − women − men − other are
 * the clients whose gender is not recorded. So the values shown must leave a
 * table in which every cell, each shown value on its own and all the rest of a
 * field (its withheld values and those with none) as one, holds none or at
 * least MIN_CLIENTS clients the viewer does not know. A field starts with the
 * values withheld over any smaller set of these fields (the sums must agree);
 * then, while a cell fails, the value with the fewest unknown clients among
 * those that would change the smallest failing cell is withheld. Each view of
 * one of these figures at the node decides from the same counts, so all of
 * them decide alike.
 */
export function withheldValues(table: CrossTable, fields: readonly FilterField[]): Map<FilterField, Set<string>> {
  const m = fields.length;
  const values = fields.map((f) => table.values(f));
  // Every count is indexed field by field: a value's index, or the field's last index (its number of values).
  const last = values.map((vs) => vs.length);
  const stride: number[] = [];
  let size = 1;
  for (let i = 0; i < m; i++) {
    stride.push(size);
    size *= last[i]! + 1;
  }
  // Each index's value index per field, worked out once: the loops below read them many times.
  const coords = fields.map((_, i) => {
    const c = new Int32Array(size);
    for (let index = 0; index < size; index++) c[index] = Math.floor(index / stride[i]!) % (last[i]! + 1);
    return c;
  });
  const at = (index: number, i: number) => coords[i]![index]!;
  // Under filters: the last index is "any value".
  const box = new Float64Array(size);
  // `fields` run in the rollup keys' order, so a key is its parts joined.
  const order = SOCIAL_FILTER_FIELDS.filter((f) => fields.includes(f));
  const parts = values.map((vs, i) => vs.map((v) => `${fields[i]}:${v}`));
  for (let index = 0; index < size; index++) {
    const set: SocialFilter = { gender: null, area: null, sector: null };
    let key = "";
    for (const f of order) {
      const i = fields.indexOf(f);
      const v = at(index, i);
      if (v === last[i]) continue;
      set[f] = values[i]![v]!;
      key = key ? `${key};${parts[i]![v]}` : parts[i]![v]!;
    }
    box[index] = table.others(set, key);
  }
  const anyIndex = fields.reduce((sum, _, i) => sum + last[i]! * stride[i]!, 0);
  const single = (i: number, v: number) => box[anyIndex - (last[i]! - v) * stride[i]!]!;
  const memo = new Map<number, Uint8Array[]>();
  // `mask`: the fields of the table (bit i for fields[i]); the others stay at "any value".
  const solve = (mask: number): Uint8Array[] => {
    const known = memo.get(mask);
    if (known) return known;
    const withheld = values.map((vs) => new Uint8Array(vs.length));
    for (let smaller = (mask - 1) & mask; smaller > 0; smaller = (smaller - 1) & mask) {
      solve(smaller).forEach((vs, i) => vs.forEach((w, v) => (withheld[i]![v] ||= w)));
    }
    const on = fields.flatMap((_, i) => (mask & (1 << i) ? [i] : []));
    // The table's cells: a field of the table at its last index now means "no value" (a group loan's gender): any
    // value less the sum of the values, one field after the other.
    const cells = Float64Array.from(box);
    for (const i of on) {
      for (let index = 0; index < size; index++) {
        if (at(index, i) !== last[i]) continue;
        for (let v = 0; v < last[i]!; v++) cells[index] = cells[index]! - cells[index - (last[i]! - v) * stride[i]!]!;
      }
    }
    // The table left: each shown value on its own, a field's withheld values and "no value" as one (its last index).
    // Each cell's place in it, moved as values are withheld.
    const fine: number[] = [];
    for (let index = 0; index < size; index++) {
      if (cells[index]! > 0 && fields.every((_, i) => mask & (1 << i) || at(index, i) === last[i])) fine.push(index);
    }
    const place = new Int32Array(size);
    const merged = new Float64Array(size);
    for (const index of fine) {
      let to = index;
      for (const i of on) {
        const v = at(index, i);
        if (v !== last[i] && withheld[i]![v]) to += (last[i]! - v) * stride[i]!;
      }
      place[index] = to;
      merged[to] = merged[to]! + cells[index]!;
    }
    const withhold = (i: number, v: number) => {
      withheld[i]![v] = 1;
      for (const index of fine) {
        if (at(index, i) !== v) continue;
        const from = place[index]!;
        const to = from + (last[i]! - v) * stride[i]!;
        merged[from] = merged[from]! - cells[index]!;
        merged[to] = merged[to]! + cells[index]!;
        place[index] = to;
      }
    };
    const shownValue = (i: number, v: number) => !withheld[i]![v] && single(i, v) > 0;
    for (;;) {
      let worst = -1;
      for (let index = 0; index < size; index++) {
        const n = merged[index]!;
        if (n > 0 && !othersAllowed(n) && (worst < 0 || n < merged[worst]!)) worst = index;
      }
      if (worst < 0) break;
      // Withholding one of the cell's values merges the cell away; withholding a value of a field whose rest the
      // cell is adds that value's part to it.
      let best: { i: number; v: number } | null = null;
      const consider = (i: number, v: number) => {
        if (!best || single(i, v) < single(best.i, best.v) || (single(i, v) === single(best.i, best.v) && (i < best.i || (i === best.i && v < best.v)))) {
          best = { i, v };
        }
      };
      for (const i of on) {
        const c = at(worst, i);
        if (c !== last[i]) consider(i, c);
        else for (let v = 0; v < last[i]!; v++) if (shownValue(i, v) && merged[worst - (last[i]! - v) * stride[i]!]! > 0) consider(i, v);
      }
      if (!best) for (const i of on) for (let v = 0; v < last[i]!; v++) if (shownValue(i, v)) consider(i, v);
      if (!best) break; // every value withheld already: no figure over these fields is shown
      const chosen: { i: number; v: number } = best;
      withhold(chosen.i, chosen.v);
    }
    memo.set(mask, withheld);
    return withheld;
  };
  const result = solve((1 << m) - 1);
  return new Map(fields.map((f, i) => [f, new Set(values[i]!.filter((_, v) => result[i]![v]))]));
}

const optionalText = (max: number, message: string) =>
  z
    .string()
    .trim()
    .max(max, { message })
    .optional()
    .transform((v) => (v ? v : undefined));

// A select's "everyone" option sends an empty value.
const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);

const querySchema = z
  .object({
    country: optionalText(2, "country: use a two-letter country code.").refine((v) => v === undefined || /^[A-Z]{2}$/.test(v), {
      message: "country: use a two-letter country code, e.g. KE.",
    }),
    region: optionalText(120, "region: use at most 120 characters."),
    partner: optionalText(64, "partner: not a partner's id."),
    group: optionalText(64, "group: not a group's id."),
    client: optionalText(64, "client: not a client's id."),
    from: optionalText(7, "from: give a quarter like 2026-Q1.").refine((v) => v === undefined || parseQuarter(v) !== null, {
      message: "from: give a quarter like 2026-Q1.",
    }),
    to: optionalText(7, "to: give a quarter like 2026-Q4.").refine((v) => v === undefined || parseQuarter(v) !== null, {
      message: "to: give a quarter like 2026-Q4.",
    }),
    scorecard: optionalText(64, "scorecard: not a scorecard's id."),
    line: optionalText(120, "line: not a poverty line."),
    gender: z.preprocess(emptyToUndefined, z.enum(GENDERS, { message: "gender: choose female, male, other or unspecified." }).optional()),
    area: z.preprocess(emptyToUndefined, z.enum(AREAS, { message: "area: choose rural, urban or unknown." }).optional()),
    sector: optionalText(80, "sector: use at most 80 characters."),
    page: z.preprocess(
      emptyToUndefined,
      z.coerce.number({ message: "page: give a page number from 1." }).int({ message: "page: give a page number from 1." }).min(1, { message: "page: give a page number from 1." }).max(100_000, { message: "page: give a page number up to 100,000." }).optional(),
    ),
  })
  .superRefine((value, ctx) => {
    const from = parseQuarter(value.from);
    const to = parseQuarter(value.to);
    if (from && to && quarterStart(from) > quarterStart(to)) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "to: the last quarter comes after the first (from)." });
    } else if (from && to && quartersBetween(from, to).length > MAX_QUARTERS) {
      ctx.addIssue({ code: "custom", path: ["from"], message: `from: choose at most ${MAX_QUARTERS} quarters.` });
    }
    const level = levelOf(value);
    if ("error" in level) ctx.addIssue({ code: "custom", path: ["country"], message: level.error });
  });

/** A partner's or group's client rows are listed this many to a page (by name). */
export const CLIENT_PAGE_SIZE = 50;

/** The page of client rows asked for (1 when none); not a filter: links to other nodes start at page 1. */
export type PortalQuery = { ok: true; path: NodePath; filters: PortalFilters; page: number } | { ok: false; errors: string[] };

/** The portal's query string: the node and the filters, with defaults; every error names its field. */
export function parsePortalQuery(params: URLSearchParams, now: Date): PortalQuery {
  const raw: Record<string, string> = {};
  for (const key of ["country", "region", "partner", "group", "client", "from", "to", "scorecard", "line", "gender", "area", "sector", "page"]) {
    const value = params.get(key);
    if (value !== null) raw[key] = key === "country" ? value.trim().toUpperCase() : value;
  }
  const parsed = querySchema.safeParse(raw);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => i.message) };
  const v = parsed.data;
  const defaults = defaultQuarterRange(now);
  let from = parseQuarter(v.from) ?? defaults.from;
  const to = parseQuarter(v.to) ?? (v.from ? addQuarters(from, 7) : defaults.to);
  if (!v.from && quarterStart(from) > quarterStart(to)) from = addQuarters(to, -7);
  return {
    ok: true,
    path: { country: v.country, region: v.region, partner: v.partner, group: v.group, client: v.client },
    filters: {
      from,
      to,
      scorecard: v.scorecard ?? null,
      line: v.line ?? null,
      gender: v.gender ?? null,
      area: v.area ?? null,
      sector: v.sector ?? null,
    },
    page: v.page ?? 1,
  };
}

/** The filters as query parameters (only what differs from nothing). */
export function filterParams(filters: PortalFilters): Record<string, string | undefined> {
  return {
    from: filters.from,
    to: filters.to,
    scorecard: filters.scorecard ?? undefined,
    line: filters.line ?? undefined,
    gender: filters.gender ?? undefined,
    area: filters.area ?? undefined,
    sector: filters.sector ?? undefined,
  };
}
