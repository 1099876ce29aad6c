// Quarterly PPI trends for one node of the portal (a country, region, partner or
// group): one series per scorecard version and poverty line, never joined
// across versions, with every place the node's figures move from one version to
// another marked, so a chart can break its line and say why.
//
// Rates are integer basis points: likelihood_sum_bps / clients, rounded half up
// (2 × sum + clients) / (2 × clients) in integer arithmetic, so 2534.5 bps is
// 2535 and no float ever enters. Points with no clients (rows emptied to zero by
// the triggers) are dropped.

/** One rollup row as the portal reads it: a node's figures for a quarter, scorecard and poverty line. */
export type TrendPoint = {
  /** First day of the quarter, YYYY-MM-DD. */
  quarter: string;
  scorecardId: string;
  /** The scorecard's version label, for the reader ("v1"). */
  version: string;
  povertyLine: string;
  clients: number;
  likelihoodSumBps: bigint | number;
};

export type SeriesPoint = { quarter: string; clients: number; rateBps: number };

/** One scorecard version and poverty line over time: comparable within itself only. */
export type TrendSeries = {
  scorecardId: string;
  version: string;
  povertyLine: string;
  /** Oldest quarter first. */
  points: SeriesPoint[];
};

/** Where the node's figures change scorecard: values either side are not comparable. */
export type VersionCrossing = {
  from: { scorecardId: string; version: string; lastQuarter: string };
  to: { scorecardId: string; version: string; firstQuarter: string };
  /** Both versions have figures in some quarter (a partner switching over mid-quarter). */
  overlapping: boolean;
  /** "not comparable: scorecard changed from v1 to v2" */
  message: string;
};

export type Trend = {
  /** Versions in the order they were first used, then by version label. */
  versions: { scorecardId: string; version: string; firstQuarter: string; lastQuarter: string }[];
  /** Grouped by version in that order, then by poverty line in the order first seen. */
  series: TrendSeries[];
  crossings: VersionCrossing[];
};

/** Mean likelihood in basis points, rounded half up, exactly. */
export function rateBps(likelihoodSumBps: bigint | number, clients: number): number {
  if (!Number.isInteger(clients) || clients <= 0) throw new RangeError(`A rate needs a positive number of clients, not ${clients}`);
  const sum = BigInt(likelihoodSumBps);
  if (sum < 0n) throw new RangeError("A likelihood sum cannot be negative");
  const n = BigInt(clients);
  return Number((2n * sum + n) / (2n * n));
}

export function notComparableMessage(fromVersion: string, toVersion: string): string {
  return `not comparable: scorecard changed from ${fromVersion} to ${toVersion}`;
}

export function buildTrend(points: readonly TrendPoint[]): Trend {
  const live = points.filter((p) => p.clients > 0);
  const versions = new Map<string, { scorecardId: string; version: string; firstQuarter: string; lastQuarter: string }>();
  for (const p of live) {
    const held = versions.get(p.scorecardId);
    if (!held) versions.set(p.scorecardId, { scorecardId: p.scorecardId, version: p.version, firstQuarter: p.quarter, lastQuarter: p.quarter });
    else {
      if (p.quarter < held.firstQuarter) held.firstQuarter = p.quarter;
      if (p.quarter > held.lastQuarter) held.lastQuarter = p.quarter;
    }
  }
  const ordered = [...versions.values()].sort(
    (a, b) => cmp(a.firstQuarter, b.firstQuarter) || cmp(a.lastQuarter, b.lastQuarter) || cmp(a.version, b.version) || cmp(a.scorecardId, b.scorecardId),
  );

  const series = new Map<string, TrendSeries>();
  const seenLines: string[] = [];
  for (const p of live) {
    if (!seenLines.includes(p.povertyLine)) seenLines.push(p.povertyLine);
    const key = `${p.scorecardId}\u0000${p.povertyLine}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { scorecardId: p.scorecardId, version: p.version, povertyLine: p.povertyLine, points: [] }));
    if (s.points.some((q) => q.quarter === p.quarter)) throw new Error(`Two points for ${p.version}, ${p.povertyLine}, ${p.quarter}: one node at a time`);
    s.points.push({ quarter: p.quarter, clients: p.clients, rateBps: rateBps(p.likelihoodSumBps, p.clients) });
  }
  const versionIndex = new Map(ordered.map((v, i) => [v.scorecardId, i]));
  const allSeries = [...series.values()]
    .map((s) => ({ ...s, points: s.points.sort((a, b) => cmp(a.quarter, b.quarter)) }))
    .sort((a, b) => versionIndex.get(a.scorecardId)! - versionIndex.get(b.scorecardId)! || seenLines.indexOf(a.povertyLine) - seenLines.indexOf(b.povertyLine));

  const crossings: VersionCrossing[] = [];
  for (let i = 1; i < ordered.length; i++) {
    const from = ordered[i - 1]!;
    const to = ordered[i]!;
    crossings.push({
      from: { scorecardId: from.scorecardId, version: from.version, lastQuarter: from.lastQuarter },
      to: { scorecardId: to.scorecardId, version: to.version, firstQuarter: to.firstQuarter },
      overlapping: to.firstQuarter <= from.lastQuarter,
      message: notComparableMessage(from.version, to.version),
    });
  }
  return { versions: ordered, series: allSeries, crossings };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
