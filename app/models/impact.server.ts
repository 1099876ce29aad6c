// The impact portal: one node of Platform > Country > Region > Partner > Group >
// Client with its indicators per quarter and its children, for one viewer.
// Who may open which node, and which figures are withheld, is decided here and
// nowhere else (docs/decisions/021-impact-portal-scoping-and-suppression.md).
// Every aggregate comes from the rollups (ppi_rollups kept by triggers, ADR 019;
// social_rollups rebuilt periodically) read in one statement per view, plus the
// few clients a viewer sees one by one; client rows read their own facts.
import type { ClientArea, Gender } from "~/generated/prisma/enums.ts";
import {
  LEVEL_NAMES,
  REACH_DEFINITION,
  RETENTION_DEFINITION,
  SUPPRESSED_NOTE,
  cellShown,
  complementarySuppression,
  decideShown,
  defaultQuarterRange,
  CLIENT_PAGE_SIZE,
  filterSummary,
  levelOf,
  othersAllowed,
  levelOpenTo,
  quarterOf,
  quarterStart,
  quartersBetween,
  shareBps,
  type CellCounts,
  type NodeCounts,
  type NodeLevel,
  type NodePath,
  type PortalFilters,
  type Quarter,
  type ViewerKind,
} from "~/lib/impact.ts";
import { countryName } from "~/lib/places.ts";
import { rateBps } from "~/lib/ppi-trend.ts";
import { csvCell, csvRow } from "~/lib/wallet.ts";
import { combineForGroup, liveConsents, mayShow, visiblePlace, type LiveConsents, type Viewer } from "~/models/consent.server.ts";
import {
  clientKey,
  countryKey,
  groupKey,
  partnerKey,
  readRollupBundle,
  regionKey,
  rollupKey,
  ROOT,
  socialViewKeys,
  socialFromRollups,
  type ClientFacts,
  type LoanCounts,
  type RollupBundle,
  type ShareCounts,
  type SocialCounts,
} from "~/models/impact-rollup-read.server.ts";
import { getDb } from "~/utils/db.server.ts";

/** The node does not exist or is not this viewer's to see: the page answers 404 either way. */
export class ImpactNotFound extends Error {
  constructor() {
    super("Not found");
    this.name = "ImpactNotFound";
  }
}

export type PortalViewer = Viewer & {
  kind: ViewerKind;
  /** Partners where the viewer is a coordinator: their reads of client rows are audited. */
  coordinatorOf: readonly string[];
  /** What the viewer funds: loans they hold funded shares in, offerings they invested in. */
  fundedPartners: ReadonlySet<string>;
  fundedGroups: ReadonlySet<string>;
  /** Borrowers of those loans, enterprise owners, and the current members of funded groups. */
  fundedClients: ReadonlySet<string>;
};

export const PUBLIC_PORTAL_VIEWER: PortalViewer = {
  userId: null,
  isPlatformAdmin: false,
  partnerIds: [],
  kind: "public",
  coordinatorOf: [],
  fundedPartners: new Set(),
  fundedGroups: new Set(),
  fundedClients: new Set(),
};

export const ADMIN_PORTAL_VIEWER: PortalViewer = { ...PUBLIC_PORTAL_VIEWER, userId: null, isPlatformAdmin: true, kind: "admin" };

/** The viewer with everything the portal's rules need: staff roles and what they fund. */
export async function portalViewerFor(userId: string | null): Promise<PortalViewer> {
  if (!userId) return PUBLIC_PORTAL_VIEWER;
  const db = await getDb();
  const user = await db.user.findUnique({ where: { id: userId }, select: { id: true, isPlatformAdmin: true } });
  if (!user) return PUBLIC_PORTAL_VIEWER;
  const memberships = await db.partnerMembership.findMany({ where: { userId }, select: { partnerId: true, role: true } });
  const funded = (await db.$queryRawUnsafe(
    `SELECT l.partner_id, l.group_id, l.client_id FROM loans l
       WHERE EXISTS (SELECT 1 FROM loan_shares s WHERE s.loan_id = l.id AND s.lender_id = $1 AND s.status = 'funded')
     UNION
     SELECT o.partner_id, o.group_id, o.client_id FROM offerings o
       WHERE EXISTS (SELECT 1 FROM offering_investments i WHERE i.offering_id = o.id AND i.investor_id = $1 AND i.status IN ('held', 'active'))`,
    userId,
  )) as { partner_id: string; group_id: string | null; client_id: string | null }[];
  const fundedPartners = new Set(funded.map((f) => f.partner_id));
  const fundedGroups = new Set(funded.flatMap((f) => (f.group_id ? [f.group_id] : [])));
  const fundedClients = new Set(funded.flatMap((f) => (f.client_id ? [f.client_id] : [])));
  if (fundedGroups.size > 0) {
    const members = await db.groupMember.findMany({ where: { groupId: { in: [...fundedGroups] }, leftAt: null }, select: { clientId: true } });
    for (const m of members) fundedClients.add(m.clientId);
  }
  const partnerIds = memberships.map((m) => m.partnerId);
  const kind: ViewerKind = user.isPlatformAdmin ? "admin" : partnerIds.length > 0 || fundedPartners.size > 0 ? "scoped" : "public";
  return {
    userId,
    isPlatformAdmin: user.isPlatformAdmin,
    partnerIds,
    kind,
    coordinatorOf: memberships.filter((m) => m.role === "coordinator").map((m) => m.partnerId),
    fundedPartners,
    fundedGroups,
    fundedClients,
  };
}

// --- Node keys ----------------------------------------------------------------------

// One string per node, the same for the PPI rollups and the social figures (impact-rollup-read.server.ts).

function pathKeys(path: NodePath): string[] {
  const keys = [ROOT];
  if (path.country) keys.push(countryKey(path.country));
  if (path.country && path.region) keys.push(regionKey(path.country, path.region));
  if (path.country && path.region && path.partner) keys.push(partnerKey(path.country, path.region, path.partner));
  if (path.country && path.region && path.partner && path.group) keys.push(groupKey(path.country, path.region, path.partner, path.group));
  return keys;
}

// --- Who may see what -----------------------------------------------------------------

const isStaffOf = (viewer: PortalViewer, partnerId: string) => viewer.isPlatformAdmin || viewer.partnerIds.includes(partnerId);
const partnerInView = (viewer: PortalViewer, partnerId: string) => isStaffOf(viewer, partnerId) || viewer.fundedPartners.has(partnerId);

type Resolved = {
  level: NodeLevel;
  title: string;
  crumbs: { label: string; path: NodePath }[];
  partnerName: string | null;
  groupName: string | null;
  client: ClientRecord | null;
};

type ClientRecord = {
  id: string;
  partnerId: string;
  fullName: string;
  gender: Gender;
  area: ClientArea;
  region: string;
  village: string;
  sector: string;
  country: string;
};

/** Clients whose rows a funder sees: funded, with a live `investor_drilldown` consent. */
async function drilldownClients(viewer: PortalViewer): Promise<{ ids: Set<string>; consents: Map<string, LiveConsents> }> {
  const candidates = [...viewer.fundedClients];
  if (candidates.length === 0) return { ids: new Set(), consents: new Map() };
  const consents = await liveConsents(candidates);
  const ids = new Set(candidates.filter((id) => consents.get(id)?.purposes.has("investor_drilldown")));
  return { ids, consents };
}

/**
 * Groups' names as this viewer may see them: as on a loan's page, a group is
 * named only with every current member's story consent (or to the partner's staff).
 */
async function groupLabels(viewer: PortalViewer, partnerId: string, groups: { id: string; name: string }[]): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  if (groups.length === 0) return labels;
  if (isStaffOf(viewer, partnerId)) {
    for (const g of groups) labels.set(g.id, g.name);
    return labels;
  }
  const db = await getDb();
  const members = await db.groupMember.findMany({ where: { groupId: { in: groups.map((g) => g.id) }, leftAt: null }, select: { groupId: true, clientId: true } });
  const consents = await liveConsents(members.map((m) => m.clientId));
  for (const g of groups) {
    const combined = combineForGroup(members.filter((m) => m.groupId === g.id).map((m) => m.clientId), consents);
    labels.set(g.id, mayShow("story", combined, viewer, partnerId) ? g.name : "A group (name not shared)");
  }
  return labels;
}

/** A client's row may be opened: the partner's staff or an admin, or a funder with the client's drill-down consent. */
function clientOpenTo(viewer: PortalViewer, client: { id: string; partnerId: string }, drilldown: ReadonlySet<string>): boolean {
  return isStaffOf(viewer, client.partnerId) || drilldown.has(client.id);
}

async function resolveNode(viewer: PortalViewer, path: NodePath, drilldown: ReadonlySet<string>, bundle: RollupBundle | null): Promise<Resolved> {
  const r = levelOf(path);
  if ("error" in r) throw new ImpactNotFound();
  const level = r.level;
  if (!levelOpenTo(viewer.kind, level)) throw new ImpactNotFound();
  const db = await getDb();
  const crumbs: Resolved["crumbs"] = [{ label: LEVEL_NAMES.platform, path: {} }];
  let title: string = LEVEL_NAMES.platform;
  let partnerName: string | null = null;
  let groupName: string | null = null;
  let client: ClientRecord | null = null;
  const { country, region, partner, group } = path;
  if (country) {
    title = countryName(country);
    crumbs.push({ label: title, path: { country } });
  }
  if (country && region) {
    if (viewer.kind !== "admin") {
      // A region is opened by a viewer with one of its partners in view.
      const inView = [...new Set([...viewer.partnerIds, ...viewer.fundedPartners])];
      const rows = (await db.$queryRawUnsafe(
        `SELECT 1 FROM clients c JOIN partners p ON p.id = c.partner_id
          WHERE p.country = $1 AND c.region = $2 AND c.partner_id = ANY($3::text[]) LIMIT 1`,
        country,
        region,
        inView,
      )) as unknown[];
      if (rows.length === 0) throw new ImpactNotFound();
    }
    title = region;
    crumbs.push({ label: region, path: { country, region } });
  }
  // The partner and the group came with the view's rollup read (a view's cost is mostly its round trips).
  const [foundPartner, foundGroup] = bundle
    ? [bundle.partner, bundle.group]
    : await Promise.all([
        partner ? db.partner.findUnique({ where: { id: partner }, select: { name: true, country: true } }) : null,
        group ? db.group.findUnique({ where: { id: group }, select: { name: true, partnerId: true } }) : null,
      ]);
  if (country && region && partner) {
    const found = foundPartner;
    if (!found || found.country !== country || !partnerInView(viewer, partner)) throw new ImpactNotFound();
    partnerName = found.name;
    title = found.name;
    crumbs.push({ label: found.name, path: { country, region, partner } });
  }
  if (country && region && partner && group) {
    const found = foundGroup;
    if (!found || found.partnerId !== partner) throw new ImpactNotFound();
    if (!isStaffOf(viewer, partner) && !viewer.fundedGroups.has(group)) throw new ImpactNotFound();
    groupName = (await groupLabels(viewer, partner, [{ id: group, name: found.name }])).get(group)!;
    title = groupName;
    crumbs.push({ label: groupName, path: { country, region, partner, group } });
  }
  if (level === "client") {
    const found = await db.client.findUnique({
      where: { id: path.client! },
      select: { id: true, partnerId: true, fullName: true, gender: true, area: true, region: true, village: true, sector: true, partner: { select: { country: true } } },
    });
    if (!found || found.partnerId !== partner || found.region !== region || found.partner.country !== country) throw new ImpactNotFound();
    if (group) {
      const member = await db.groupMember.findFirst({ where: { groupId: group, clientId: found.id, leftAt: null }, select: { id: true } });
      if (!member) throw new ImpactNotFound();
    }
    if (!clientOpenTo(viewer, found, drilldown)) throw new ImpactNotFound();
    client = { ...found, country: found.partner.country };
  }
  return { level, title, crumbs, partnerName, groupName, client };
}

// --- The view -------------------------------------------------------------------------

export type Figure<T> = { shown: boolean; clients: number | null } & T;

export type PpiFigure = Figure<{ rateBps: number | null; meanScore: number | null }>;
/** `sharesWithheld`: a share withheld while the count is shown (too few women, or too few not women, say). */
export type ReachFigure = Figure<{ womenBps: number | null; ruralBps: number | null; sharesWithheld?: ("women" | "rural")[] }>;
export type RetentionFigure = Figure<{ retainedBps: number | null; shareWithheld?: boolean }>;
export type LoansFigure = Figure<{ loans: number | null; averageCents: number | null }>;

export type QuarterFigures = {
  quarter: Quarter;
  ppi: PpiFigure | null;
  reach: ReachFigure | null;
  retention: RetentionFigure | null;
  loans: LoansFigure | null;
};

export type ChildRow = {
  kind: "node" | "client";
  key: string;
  label: string;
  /** Where clicking leads; null when the viewer may not open it. */
  path: NodePath | null;
  /** Client rows: what the client's consents let this viewer see. */
  place?: string;
  gender?: string | null;
  area?: string | null;
  latest: QuarterFigures;
};

export type ScorecardOption = { id: string; title: string; version: string; country: string; isSample: boolean; lines: string[] };

export type ImpactView = {
  level: NodeLevel;
  path: NodePath;
  title: string;
  crumbs: { label: string; path: NodePath }[];
  filters: PortalFilters;
  quarters: Quarter[];
  scorecards: ScorecardOption[];
  scorecard: ScorecardOption | null;
  line: string | null;
  /** Said on the chart: the series uses one scorecard version; others with data are not joined to it. */
  versionNote: string | null;
  trend: QuarterFigures[];
  sectors: { sector: string; shown: boolean; loans: number | null; amountCents: number | null; averageCents: number | null }[];
  childLevel: NodeLevel | null;
  children: ChildRow[];
  /** Children with data the viewer may not see are not listed; this says how many rows were left out, never which. */
  clientDetail: {
    label: string;
    place: string;
    gender: string | null;
    area: string | null;
    sector: string;
    loans: { reference: string; sector: string; amountCents: number; status: string; fundedOn: string | null }[];
  } | null;
  definitions: string[];
  /** True when some figure in the view was withheld. */
  anySuppressed: boolean;
  /** When the social figures were computed (they are rebuilt periodically, not on every change); ISO time. */
  socialAsOf: string | null;
  /** Client-level rows returned (for the audit and the page). */
  clientIdsShown: string[];
  /** A partner's or group's client rows come a page at a time: this page, its size, how many rows in all (null elsewhere). */
  clientPages: { page: number; pageSize: number; total: number } | null;
};

export type ImpactSection = "ppi" | "social";

export type ImpactViewOptions = {
  /** The page or file being served, written with every audited read. */
  auditPath: string;
  /** What the read is called in the audit trail ("portal page", "portal CSV"). */
  auditWhat?: string;
  sections?: readonly ImpactSection[];
  /** The page of client rows (1 by default), or "all" (a CSV: every row up to CLIENT_ROWS_MAX). */
  clientPage?: number | "all";
};

const CHILD_LEVEL: Record<NodeLevel, NodeLevel | null> = {
  platform: "country",
  country: "region",
  region: "partner",
  partner: "group",
  group: "client",
  client: null,
};

const emptyFigures = (quarter: Quarter): QuarterFigures => ({ quarter, ppi: null, reach: null, retention: null, loans: null });

/**
 * One drill-down view for one viewer: the node's figures per quarter, its
 * children (only those the viewer may see), each figure withheld when the
 * suppression rules say so. Client-level rows shown to a funder or a
 * coordinator are written to the audit trail before this returns.
 */
export async function impactView(
  viewer: PortalViewer,
  path: NodePath,
  given: Partial<PortalFilters>,
  options: ImpactViewOptions,
): Promise<ImpactView> {
  const filters: PortalFilters = { ...defaultFilters(new Date()), ...given };
  const sections = new Set(options.sections ?? ["ppi", "social"]);
  const atClient = Boolean(path.client);
  const staff = path.partner !== undefined && isStaffOf(viewer, path.partner);
  // The rollup rows do not depend on who asks beyond their own partners: read them while the viewer's sets are read,
  // with a partner's or group's client rows (a funder's: only funded ones with drill-down consent) and their facts.
  const [{ ids: drilldown, consents: funderConsents }, bundle] = await Promise.all([
    drilldownClients(viewer),
    atClient
      ? null
      : readRollupBundle({
          path,
          from: filters.from,
          to: filters.to,
          scorecard: filters.scorecard,
          line: filters.line,
          social: socialViewKeys(filters, !viewer.isPlatformAdmin),
          staffPartners: viewer.isPlatformAdmin ? [] : viewer.partnerIds,
          sections: { ppi: sections.has("ppi"), social: sections.has("social") },
          siblings: !viewer.isPlatformAdmin,
          clients: {
            list: Boolean(path.partner),
            only: staff ? null : [...viewer.fundedClients],
            drilldownOnly: !staff,
            extra: viewer.isPlatformAdmin ? [] : [...viewer.fundedClients],
            page: options.clientPage === "all" ? null : { size: CLIENT_PAGE_SIZE, number: options.clientPage ?? 1 },
          },
        }).catch((error: unknown) => error as Error),
  ]);
  const node = await resolveNode(viewer, path, drilldown, bundle instanceof Error ? null : bundle);
  if (bundle instanceof Error) throw bundle;
  const quarters = quartersBetween(filters.from, filters.to);
  const keys = pathKeys(path);
  const maySee = await visibilityOf(viewer, path, drilldown);
  const ctx: Ctx = { maySee, viewer, path, filters, quarters, keys, drilldown, level: node.level, bundle };

  const listing = await childListing(ctx);
  // The listed clients' own figures (PPI quarters, loans) and a funder's drill-down clients' activity came with the
  // bundle; only theirs are used.
  if (bundle) {
    const factIds = new Set([...listing.clientIds, ...(viewer.isPlatformAdmin ? [] : drilldown)]);
    ctx.facts = new Map([...bundle.clientFacts].filter(([id]) => factIds.has(id)));
  }
  const trend = new Map<Quarter, QuarterFigures>(quarters.map((q) => [q, emptyFigures(q)]));
  const childFigures = new Map<string, QuarterFigures>();
  const figuresOf = (key: string) => {
    let f = childFigures.get(key);
    if (!f) childFigures.set(key, (f = emptyFigures(filters.to)));
    return f;
  };

  let scorecards: ScorecardOption[] = [];
  let scorecard: ScorecardOption | null = null;
  let line: string | null = null;
  let versionNote: string | null = null;
  let anySuppressed = false;
  let socialAsOf: string | null = null;

  if (sections.has("ppi")) {
    const ppi = await ppiSection(ctx, listing);
    ({ scorecards, scorecard, line, versionNote } = ppi);
    for (const [q, figure] of ppi.trend) trend.get(q)!.ppi = figure;
    for (const [key, figure] of ppi.children) figuresOf(key).ppi = figure;
    anySuppressed ||= ppi.anySuppressed;
  }
  let sectors: ImpactView["sectors"] = [];
  if (sections.has("social")) {
    const social = await socialSection(ctx, listing);
    for (const [q, f] of social.trend) Object.assign(trend.get(q)!, f);
    for (const [key, f] of social.children) Object.assign(figuresOf(key), f);
    sectors = social.sectors;
    socialAsOf = social.asOf;
    anySuppressed ||= social.anySuppressed;
  }

  // Rows: every child listed to this viewer, with the figures decided for it.
  const children: ChildRow[] = [];
  for (const child of listing.rows) {
    children.push({ ...child, latest: childFigures.get(child.key) ?? emptyFigures(filters.to) });
  }

  let clientDetail: ImpactView["clientDetail"] = null;
  if (node.client) clientDetail = await clientDetailFor(ctx, node.client, funderConsents);

  const clientIdsShown = [
    ...listing.rows.filter((r) => r.kind === "client").map((r) => r.key.slice(2)),
    ...(node.client ? [node.client.id] : []),
  ];
  await auditReads(viewer, clientIdsShown, listing.partnerOf, node.client, options);

  const definitions = [REACH_DEFINITION, RETENTION_DEFINITION];
  return {
    level: node.level,
    path,
    title: node.title,
    crumbs: node.crumbs,
    filters: { ...filters, scorecard: scorecard?.id ?? null, line },
    quarters,
    scorecards,
    scorecard,
    line,
    versionNote,
    trend: quarters.map((q) => trend.get(q)!),
    sectors,
    childLevel: CHILD_LEVEL[node.level],
    children,
    clientDetail,
    definitions,
    anySuppressed,
    socialAsOf,
    clientIdsShown,
    clientPages:
      bundle && path.partner && !atClient && options.clientPage !== "all"
        ? { page: options.clientPage ?? 1, pageSize: CLIENT_PAGE_SIZE, total: bundle.clientTotal }
        : null,
  };
}

/** The last eight quarters, the scorecard with the most clients at the node, no filter. */
export function defaultFilters(now: Date): PortalFilters {
  return { ...defaultQuarterRange(now), scorecard: null, line: null, gender: null, area: null, sector: null };
}

type Ctx = {
  /**
   * Whether this viewer may see a node or client row at all, wherever it is
   * listed: the same answer on every page, so the rules decide alike in every view.
   */
  maySee: (key: string) => boolean;
  viewer: PortalViewer;
  path: NodePath;
  filters: PortalFilters;
  quarters: Quarter[];
  keys: string[];
  drilldown: ReadonlySet<string>;
  level: NodeLevel;
  /** The node's rollup rows, children and scorecards (null on a client's page). */
  bundle: RollupBundle | null;
  /** Client rows' and drill-down clients' facts, read once for both sections (a node's view). */
  facts?: Map<string, ClientFacts>;
};

/** The viewer's visibility of any node key (see Ctx.maySee). */
async function visibilityOf(viewer: PortalViewer, path: NodePath, drilldown: ReadonlySet<string>): Promise<(key: string) => boolean> {
  if (viewer.isPlatformAdmin) return () => true;
  let regions = new Set<string>();
  if (path.country && viewer.kind === "scoped") {
    const db = await getDb();
    const rows = (await db.$queryRawUnsafe(
      `SELECT DISTINCT c.region FROM clients c JOIN partners p ON p.id = c.partner_id WHERE p.country = $1 AND c.partner_id = ANY($2::text[])`,
      path.country,
      [...new Set([...viewer.partnerIds, ...viewer.fundedPartners])],
    )) as { region: string }[];
    regions = new Set(rows.map((r) => regionKey(path.country!, r.region)));
  }
  return (key) => {
    const parts = key.split("|");
    switch (parts[0]) {
      case "P":
      case "C":
        return true;
      case "R":
        return regions.has(key);
      case "T":
        return partnerInView(viewer, parts[3]!);
      case "G":
        return isStaffOf(viewer, parts[3]!) || viewer.fundedGroups.has(parts[4]!);
      case "X":
        // Client rows sit under the path's partner.
        return (path.partner !== undefined && isStaffOf(viewer, path.partner)) || drilldown.has(parts[1]!);
      default:
        return false;
    }
  };
}

type Listing = {
  rows: Omit<ChildRow, "latest">[];
  /** Keys of child rows the viewer may see (the others still count in the rules). */
  listed: Set<string>;
  /** Client rows' partner, for the audit trail. */
  partnerOf: Map<string, string>;
  /** Client-level children the viewer sees (ids). */
  clientIds: string[];
  /** Their live consents, read once for the labels and again used for their figures. */
  consents: Map<string, LiveConsents>;
};

/** The children of the node on view that this viewer may see, with their labels and links. */
async function childListing(ctx: Ctx): Promise<Listing> {
  const { viewer, path, level } = ctx;
  const rows: Listing["rows"] = [];
  const listed = new Set<string>();
  const partnerOf = new Map<string, string>();
  const clientIds: string[] = [];
  let consents = new Map<string, LiveConsents>();
  const add = (row: Listing["rows"][number]) => {
    rows.push(row);
    listed.add(row.key);
  };
  // Children: the keys with figures in the range, from the rollups; each still checked against this viewer.
  const kids = ctx.bundle?.children ?? [];
  if (level === "platform") {
    for (const { id } of kids) add({ kind: "node", key: countryKey(id), label: countryName(id), path: { country: id } });
  } else if (level === "country") {
    if (viewer.kind !== "public") {
      for (const { id: region } of kids) {
        const key = regionKey(path.country!, region);
        if (!ctx.maySee(key)) continue;
        add({ kind: "node", key, label: region, path: { country: path.country, region } });
      }
    }
  } else if (level === "region") {
    const partners = [...kids].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    for (const p of partners) {
      if (!partnerInView(viewer, p.id)) continue;
      add({ kind: "node", key: partnerKey(path.country!, path.region!, p.id), label: p.name, path: { country: path.country, region: path.region, partner: p.id } });
    }
  } else if (level === "partner" || level === "group") {
    const staff = isStaffOf(viewer, path.partner!);
    if (level === "partner") {
      const groups = [...(ctx.bundle?.children ?? [])].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
      const visible = groups.filter((g) => staff || viewer.fundedGroups.has(g.id));
      const labels = await groupLabels(viewer, path.partner!, visible);
      for (const g of visible) {
        add({
          kind: "node",
          key: groupKey(path.country!, path.region!, path.partner!, g.id),
          label: labels.get(g.id)!,
          path: { country: path.country, region: path.region, partner: path.partner, group: g.id },
        });
      }
    }
    // Client rows: the group's members, or the partner's clients in no group, read with the bundle.
    // A funder's rows: only clients they fund who agreed to be seen one by one.
    if (!ctx.bundle) throw new Error("a partner's or group's view reads its client rows with its rollup rows");
    const members = ctx.bundle.clientRows.filter((m) => staff || ctx.drilldown.has(m.id));
    consents = ctx.bundle.clientConsents;
    for (const m of members) {
      const own = consents.get(m.id);
      const label = mayShow("name", own, viewer, path.partner!) ? m.full_name : "A client (name not shared)";
      const place = visiblePlace({ country: countryName(path.country!), region: m.region, village: m.village }, own, viewer, path.partner!).join(", ");
      add({
        kind: "client",
        key: clientKey(m.id),
        label,
        place,
        gender: m.gender,
        area: m.area,
        path: { country: path.country, region: path.region, partner: path.partner, ...(path.group ? { group: path.group } : {}), client: m.id },
      });
      partnerOf.set(m.id, path.partner!);
      clientIds.push(m.id);
    }
  }
  return { rows, listed, partnerOf, clientIds, consents };
}

// --- PPI --------------------------------------------------------------------------------

type RollupRow = {
  level: number;
  country: string;
  region: string;
  partner_id: string;
  group_id: string;
  quarter: Date;
  clients: number;
  likelihood: string;
  score: string;
};

const parentOfKey = (key: string): string => {
  const parts = key.split("|");
  switch (parts[0]) {
    case "C":
      return ROOT;
    case "R":
      return countryKey(parts[1]!);
    case "T":
      return regionKey(parts[1]!, parts[2]!);
    case "G":
      return partnerKey(parts[1]!, parts[2]!, parts[3]!);
    default:
      return "";
  }
};

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** Scorecards with figures at this node in the range, the most clients first. */
async function scorecardsAt(ctx: Ctx): Promise<(ScorecardOption & { clients: number; firstQuarter: Quarter; lastQuarter: Quarter })[]> {
  const db = await getDb();
  const { path } = ctx;
  const from = isoDay(quarterStart(ctx.filters.from));
  const to = isoDay(quarterStart(ctx.filters.to));
  let rows: { scorecard_id: string; clients: number; first_q: Date; last_q: Date }[];
  if (ctx.level === "client") {
    rows = (await db.$queryRawUnsafe(
      `SELECT f.scorecard_id, count(*)::int AS clients, min(f.quarter) AS first_q, max(f.quarter) AS last_q FROM ppi_client_quarters f
        WHERE f.client_id = $1 AND f.quarter BETWEEN $2::date AND $3::date GROUP BY 1`,
      path.client,
      from,
      to,
    )) as typeof rows;
  } else {
    const level = ["platform", "country", "region", "partner", "group"].indexOf(ctx.level);
    rows = (await db.$queryRawUnsafe(
      `SELECT r.scorecard_id, max(r.clients)::int AS clients, min(r.quarter) AS first_q, max(r.quarter) AS last_q FROM ppi_rollups r
        WHERE r.level = $1 AND r.country = $2 AND r.region = $3 AND r.partner_id = $4 AND r.group_id = $5
          AND r.quarter BETWEEN $6::date AND $7::date AND r.clients > 0
        GROUP BY 1`,
      level,
      path.country ?? "",
      path.region ?? "",
      path.partner ?? "",
      path.group ?? "",
      from,
      to,
    )) as typeof rows;
  }
  if (rows.length === 0) return [];
  const cards = await db.ppiScorecard.findMany({
    where: { id: { in: rows.map((r) => r.scorecard_id) } },
    select: { id: true, title: true, version: true, country: true, isSample: true, povertyLines: true },
  });
  return cards
    .map((c) => {
      const r = rows.find((x) => x.scorecard_id === c.id)!;
      return {
        id: c.id,
        title: c.title,
        version: c.version,
        country: c.country,
        isSample: c.isSample,
        lines: c.povertyLines,
        clients: Number(r.clients),
        firstQuarter: quarterOf(new Date(r.first_q)),
        lastQuarter: quarterOf(new Date(r.last_q)),
      };
    })
    .sort((a, b) => b.clients - a.clients || a.id.localeCompare(b.id));
}

async function ppiSection(ctx: Ctx, listing: Listing) {
  const db = await getDb();
  const { viewer, path, filters, keys } = ctx;
  // A node's scorecards come with its rollup rows; a client's from their own quarters.
  const options = ctx.bundle ? ctx.bundle.scorecards : await scorecardsAt(ctx);
  const chosen = options.find((o) => o.id === filters.scorecard) ?? options[0] ?? null;
  const scorecards: ScorecardOption[] = options.map(({ clients: _c, firstQuarter: _f, lastQuarter: _l, ...o }) => o);
  const scorecard = chosen ? scorecards.find((s) => s.id === chosen.id)! : null;
  const line = scorecard ? (scorecard.lines.includes(filters.line ?? "") ? filters.line! : (scorecard.lines[0] ?? null)) : null;
  const trend = new Map<Quarter, PpiFigure>();
  const children = new Map<string, PpiFigure>();
  if (!scorecard || !line) return { scorecards, scorecard, line, versionNote: null, trend, children, anySuppressed: false };

  const others = options.filter((o) => o.id !== scorecard.id && o.country === scorecard.country);
  const versionNote =
    others.length > 0
      ? `This series uses ${scorecard.title} (version ${scorecard.version}) only. ` +
        others.map((o) => `${o.title} (version ${o.version}) also has surveys here from ${o.firstQuarter} to ${o.lastQuarter}`).join("; ") +
        ". Scores from different versions are not comparable, so they are not joined into one line."
      : null;

  const from = isoDay(quarterStart(filters.from));
  const to = isoDay(quarterStart(filters.to));
  const staffPartners = viewer.isPlatformAdmin ? [] : [...viewer.partnerIds];
  // The rows of every node on the path and of each one's children, with the viewer's
  // own partners' rows (which say how many clients they know), read with the bundle.
  // The bundle chose the same scorecard and line (the requested ones, else the first).
  const rows: RollupRow[] =
    ctx.bundle && ctx.bundle.scorecardId === scorecard.id && ctx.bundle.line === line
      ? ctx.bundle.ppiRows.map((r) => ({ ...r, quarter: r.quarter }))
      : [];

  // Clients the viewer sees one by one (client rows a funder may open) and where they count.
  const knownFacts = ctx.drilldown.size
    ? ((await db.$queryRawUnsafe(
        `SELECT f.client_id, f.quarter, f.country, f.region, f.partner_id, f.group_ids FROM ppi_client_quarters f
          WHERE f.client_id = ANY($1::text[]) AND f.scorecard_id = $2 AND f.quarter BETWEEN $3::date AND $4::date AND f.counted
            AND NOT (f.partner_id = ANY($5::text[]))`,
        [...ctx.drilldown],
        scorecard.id,
        from,
        to,
        staffPartners,
      )) as { client_id: string; quarter: Date; country: string; region: string; partner_id: string; group_ids: string[] }[])
    : [];

  let anySuppressed = false;
  const childKeysOf = new Map<string, string[]>();
  // Rows by quarter, each row's day worked out once: a partner's view has about a thousand rows and eight quarters.
  const rowsByDay = new Map<string, RollupRow[]>();
  for (const r of rows) {
    const day = isoDay(new Date(r.quarter));
    const list = rowsByDay.get(day);
    if (list) list.push(r);
    else rowsByDay.set(day, [r]);
  }
  for (const q of ctx.quarters) {
    const qDay = isoDay(quarterStart(q));
    const inQuarter = rowsByDay.get(qDay) ?? [];
    const byKey = new Map<string, RollupRow>();
    for (const r of inQuarter) byKey.set(rollupKey(r), r);
    const known = (key: string, r: RollupRow): number => {
      if (viewer.isPlatformAdmin) return r.clients;
      const parts = key.split("|");
      const kind = parts[0];
      if ((kind === "T" || kind === "G") && viewer.partnerIds.includes(parts[3]!)) return r.clients;
      let n = 0;
      if (kind === "P" || kind === "C" || kind === "R") {
        for (const s of inQuarter) {
          if (Number(s.level) !== 3 || !viewer.partnerIds.includes(s.partner_id)) continue;
          if (kind === "C" && s.country !== parts[1]) continue;
          if (kind === "R" && (s.country !== parts[1] || s.region !== parts[2])) continue;
          n += s.clients;
        }
      }
      for (const f of knownFacts) {
        if (isoDay(new Date(f.quarter)) !== qDay) continue;
        if (kind === "C" && f.country !== parts[1]) continue;
        if ((kind === "R" || kind === "T" || kind === "G") && (f.country !== parts[1] || f.region !== parts[2])) continue;
        if ((kind === "T" || kind === "G") && f.partner_id !== parts[3]) continue;
        if (kind === "G" && !f.group_ids.includes(parts[4]!)) continue;
        n += 1;
      }
      return Math.min(n, r.clients);
    };
    const counts = new Map<string, NodeCounts>();
    childKeysOf.clear();
    for (const [key, r] of byKey) {
      // The viewer's other partners' rows (read for the known counts) are not part of this tree.
      if (key !== ROOT && !keys.includes(parentOfKey(key))) continue;
      counts.set(key, { filtered: { clients: r.clients, known: known(key, r) } });
      if (key !== ROOT) {
        const parent = parentOfKey(key);
        const list = childKeysOf.get(parent) ?? [];
        list.push(key);
        childKeysOf.set(parent, list);
      }
    }
    const shown = decideShown(keys, childKeysOf, counts, ctx.maySee);
    const figure = (key: string): PpiFigure => {
      const r = byKey.get(key);
      if (!r) return { shown: false, clients: 0, rateBps: null, meanScore: null };
      if (!shown.has(key)) {
        anySuppressed = true;
        return { shown: false, clients: null, rateBps: null, meanScore: null };
      }
      return {
        shown: true,
        clients: r.clients,
        rateBps: rateBps(BigInt(r.likelihood), r.clients),
        meanScore: Math.round((Number(r.score) / r.clients) * 10) / 10,
      };
    };
    const current = keys[keys.length - 1]!;
    if (ctx.level !== "client") trend.set(q, figure(current));
    if (q === filters.to) for (const row of listing.rows) if (row.kind === "node") children.set(row.key, figure(row.key));
  }

  // Client-level PPI: a client's own score, on their row or page.
  const clientIds = [...listing.clientIds, ...(ctx.level === "client" ? [path.client!] : [])];
  if (clientIds.length > 0) {
    const consents = ctx.level === "client" ? await liveConsents(clientIds) : listing.consents;
    // A node's client rows come with the facts read once for the view (the bundle chose this scorecard and line).
    const prefetched = ctx.facts && ctx.bundle?.scorecardId === scorecard.id && ctx.bundle.line === line ? ctx.facts : null;
    const facts = prefetched
      ? clientIds.flatMap((id) =>
          (prefetched.get(id)?.ppi ?? []).map((f) => ({ client_id: id, quarter: new Date(`${f.quarter}T00:00:00Z`), score: f.score, likelihood_bps: f.likelihoodBps })),
        )
      : ((await db.$queryRawUnsafe(
          `SELECT f.client_id, f.quarter, f.score, l.likelihood_bps FROM ppi_client_quarters f
             JOIN ppi_lookup l ON l.scorecard_id = f.scorecard_id AND l.poverty_line = $2 AND l.score = f.score
            WHERE f.client_id = ANY($1::text[]) AND f.scorecard_id = $3 AND f.quarter BETWEEN $4::date AND $5::date`,
          clientIds,
          line,
          scorecard.id,
          from,
          to,
        )) as { client_id: string; quarter: Date; score: number; likelihood_bps: number }[]);
    const listed = new Set(listing.clientIds);
    for (const f of facts) {
      // A funder sees a client's PPI only with the client's `ppi` consent too.
      if (!mayShow("ppi", consents.get(f.client_id), viewer, path.partner!)) continue;
      const q = quarterOf(new Date(f.quarter));
      const figure: PpiFigure = { shown: true, clients: 1, rateBps: f.likelihood_bps, meanScore: f.score };
      if (ctx.level === "client" && f.client_id === path.client) trend.set(q, figure);
      if (q === filters.to && listed.has(f.client_id)) children.set(clientKey(f.client_id), figure);
    }
  }
  return { scorecards, scorecard, line, versionNote, trend, children, anySuppressed };
}

// --- Social performance ----------------------------------------------------------------

/**
 * The social indicators from social_rollups (as of their last rebuild): gender,
 * area and sector filters in any combination, each figure weighed against the
 * same node under every smaller set of them (docs/decisions/025), the
 * "known" counts from the viewer's own partners' rows and the few clients they
 * see one by one; client rows and a client's page from the client's own loans.
 */
async function socialSection(ctx: Ctx, listing: Listing) {
  const { viewer, filters } = ctx;
  const read = await socialFromRollups({
    path: ctx.path,
    quarters: ctx.quarters,
    filters,
    viewer,
    knownClients: [...ctx.drilldown],
    clientIds: [...listing.clientIds, ...(ctx.level === "client" ? [ctx.path.client!] : [])],
    rows: ctx.bundle ? { rows: ctx.bundle.socialRows, rebuiltAt: ctx.bundle.socialRebuiltAt } : { rows: [], rebuiltAt: null },
    ...(ctx.facts ? { facts: ctx.facts } : {}),
  });
  const sectorRaw = read.sectors;
  let anySuppressed = false;
  const trend = new Map<Quarter, Partial<QuarterFigures>>();
  const children = new Map<string, Partial<QuarterFigures>>();
  const current = ctx.keys[ctx.keys.length - 1]!;
  const atClient = ctx.level === "client";
  const parents = new Map<string, string>();
  const parentOf = (key: string) => {
    let parent = parents.get(key);
    if (parent === undefined) parents.set(key, (parent = parentOfKey(key)));
    return parent;
  };

  for (const q of ctx.quarters) {
    const sRows: Map<string, SocialCounts> = read.social.get(q) ?? new Map();
    const lRows: Map<string, LoanCounts> = read.loans.get(q) ?? new Map();

    // Each node's children among the keys with rows (the same for every figure read from one map).
    const childrenIn = (rowsByKey: Map<string, unknown>) => {
      const childKeysOf = new Map<string, string[]>();
      for (const key of rowsByKey.keys()) {
        if (key === ROOT) continue;
        const parent = key.startsWith("X|") ? current : parentOf(key);
        const siblings = childKeysOf.get(parent);
        if (siblings) siblings.push(key);
        else childKeysOf.set(parent, [key]);
      }
      return childKeysOf;
    };
    const sChildren = childrenIn(sRows);
    const lChildren = childrenIn(lRows);
    // Null for an admin, who knows every client: every figure with clients in it is shown (what decideShown gives when
    // no client is unknown to the viewer), so there is nothing to decide.
    const decide = <T,>(rowsByKey: Map<string, T>, childKeysOf: Map<string, string[]>, countsOf: (row: T) => NodeCounts) => {
      if (viewer.isPlatformAdmin) return null;
      const counts = new Map<string, NodeCounts>();
      for (const [key, row] of rowsByKey) counts.set(key, countsOf(row));
      return decideShown(ctx.keys, childKeysOf, counts, ctx.maySee);
    };
    // With filters on, the same node under every smaller set of them too (docs/decisions/025).
    // And each filter's value among its field's values at that node (withheldValues).
    const counts = (filtered: CellCounts, wider: readonly CellCounts[], valuesShown: boolean): NodeCounts =>
      wider.length > 0 ? { filtered, wider, valuesShown } : { filtered, valuesShown };
    const reachShown = decide(sRows, sChildren, (r) => counts({ clients: r.reached_f, known: r.reached_f_known }, r.reached_wider, r.reached_values_ok));
    const retentionShown = decide(sRows, sChildren, (r) => counts({ clients: r.base_f, known: r.base_f_known }, r.base_wider, r.base_values_ok));
    const loansShown = decide(lRows, lChildren, (r) => counts({ clients: r.reach_f, known: r.reach_f_known }, r.reach_wider, r.reach_values_ok));
    // A share of women (of rural clients) gives the count under the filters plus female (plus rural): it is shown only
    // where that count could be, decided like one (a node with none shows 0%, which gives nobody away).
    // Decided on first use: only a node with a share of some clients needs it (an admin's rows have no share counts).
    const shareShown = (pick: (r: SocialCounts) => ShareCounts | null) => {
      let shown: Set<string> | null | undefined;
      return (key: string) => {
        const share = sRows.get(key) ? pick(sRows.get(key)!) : null;
        if (!share || share.filtered.clients === 0) return true;
        if (shown === undefined) {
          shown = decide(sRows, sChildren, (r) => {
            const s = pick(r);
            return s ? counts(s.filtered, s.wider, s.values_ok) : counts({ clients: r.reached_f, known: r.reached_f_known }, r.reached_wider, r.reached_values_ok);
          });
        }
        return !shown || shown.has(key);
      };
    };
    const womenShareShown = shareShown((r) => r.women_share);
    const ruralShareShown = shareShown((r) => r.rural_share);

    const figures = (key: string, clientRow: boolean): Partial<QuarterFigures> => {
      const s = sRows.get(key);
      const l = lRows.get(key);
      // A client's own row or page is shown whenever the viewer may open it (the listing checked that).
      const ok = (set: Set<string> | null) => clientRow || !set || set.has(key);
      const women = clientRow || womenShareShown(key);
      const rural = clientRow || ruralShareShown(key);
      const reach: ReachFigure =
        s && s.reached_f > 0
          ? ok(reachShown)
            ? {
                shown: true,
                clients: s.reached_f,
                womenBps: women ? shareBps(s.women_f, s.reached_f) : null,
                ruralBps: rural ? shareBps(s.rural_f, s.reached_f) : null,
                ...(women && rural ? {} : { sharesWithheld: [...(women ? [] : ["women" as const]), ...(rural ? [] : ["rural" as const])] }),
              }
            : { shown: false, clients: null, womenBps: null, ruralBps: null }
          : { shown: false, clients: 0, womenBps: null, ruralBps: null };
      // Retained and not retained: each none or at least 5 clients the viewer does not know, or the share is withheld.
      const retained = clientRow || !s || (othersAllowed(s.retained_f - s.retained_known) && othersAllowed(s.base_f - s.retained_f - (s.base_f_known - s.retained_known)));
      const retention: RetentionFigure =
        s && s.base_f > 0
          ? ok(retentionShown)
            ? { shown: true, clients: s.base_f, retainedBps: retained ? shareBps(s.retained_f, s.base_f) : null, ...(retained ? {} : { shareWithheld: true }) }
            : { shown: false, clients: null, retainedBps: null }
          : { shown: false, clients: 0, retainedBps: null };
      const loan: LoansFigure =
        l && l.loans_f > 0
          ? ok(loansShown)
            ? { shown: true, clients: l.reach_f, loans: l.loans_f, averageCents: Math.round(Number(l.amount_f ?? 0) / l.loans_f) }
            : { shown: false, clients: null, loans: null, averageCents: null }
          : { shown: false, clients: 0, loans: null, averageCents: null };
      if (reach.clients === null || retention.clients === null || loan.clients === null) anySuppressed = true;
      return { reach, retention, loans: loan };
    };
    trend.set(q, atClient ? figures(clientKey(ctx.path.client!), true) : figures(current, false));
    if (q === filters.to) {
      for (const row of listing.rows) children.set(row.key, figures(row.key, row.kind === "client"));
    }
  }

  const total = sectorRaw.find((r) => r.sector === null);
  const bySector = sectorRaw.filter((r) => r.sector !== null).sort((a, b) => b.loans - a.loans || a.sector!.localeCompare(b.sector!));
  let sectors: ImpactView["sectors"] = [];
  if (total) {
    // Each cell is a figure under the gender and area filters plus its sector, weighed against every smaller set of
    // them; then complementary suppression among the cells against the node under the gender and area filters.
    // And each only when every quarter's part of it could be shown too (ranges are the viewer's to choose).
    const parentShown = atClient || (cellShown({ clients: total.reach, known: total.reach_known }, total.wider) && total.quarterlyShown);
    const cells = bySector.map((r) => ({
      key: r.sector!,
      others: r.reach - r.reach_known,
      shown: atClient || (cellShown({ clients: r.reach, known: r.reach_known }, r.wider) && r.quarterlyShown),
    }));
    const extra = atClient ? new Set<string>() : complementarySuppression(total.reach - total.reach_known, parentShown, cells);
    const decided = bySector.map((r, i) => ({ r, shown: parentShown && cells[i]!.shown && !extra.has(r.sector!) }));
    // With a sector filter only that sector, decided as in the table without the filter, so the two views agree.
    sectors = decided.flatMap(({ r, shown }) => {
      if (filters.sector && r.sector !== filters.sector) return [];
      if (!shown) anySuppressed = true;
      return [
        shown
          ? { sector: r.sector!, shown, loans: r.loans, amountCents: Number(r.amount), averageCents: Math.round(Number(r.amount) / r.loans) }
          : { sector: r.sector!, shown, loans: null, amountCents: null, averageCents: null },
      ];
    });
  }
  return { trend, children, sectors, anySuppressed, asOf: read.rebuiltAt ? read.rebuiltAt.toISOString() : null };
}

// --- A client's own page -----------------------------------------------------------------

async function clientDetailFor(ctx: Ctx, client: ClientRecord, funderConsents: Map<string, LiveConsents>): Promise<NonNullable<ImpactView["clientDetail"]>> {
  const db = await getDb();
  const { viewer } = ctx;
  const consents = funderConsents.get(client.id) ?? (await liveConsents([client.id])).get(client.id);
  const label = mayShow("name", consents, viewer, client.partnerId) ? client.fullName : "A client (name not shared)";
  const place = visiblePlace({ country: countryName(client.country), region: client.region, village: client.village }, consents, viewer, client.partnerId).join(", ");
  const loans = await db.loan.findMany({
    where: { clientId: client.id, status: { in: ["funded", "paying_back", "repaid", "defaulted", "written_off"] } },
    select: { reference: true, sector: true, amountUsdCents: true, status: true, fundedAt: true },
    orderBy: [{ fundedAt: "desc" }, { id: "asc" }],
  });
  return {
    label,
    place,
    gender: client.gender,
    area: client.area,
    sector: client.sector,
    loans: loans.map((l) => ({ reference: l.reference, sector: l.sector, amountCents: l.amountUsdCents, status: l.status, fundedOn: l.fundedAt ? isoDay(l.fundedAt) : null })),
  };
}

// --- The audit trail --------------------------------------------------------------------

/**
 * Client-level rows shown to a funder or a coordinator are written down, one
 * row per client, in the request that shows them. Admins, officers and partner
 * admins work with client records as their job and are not audited here.
 */
async function auditReads(
  viewer: PortalViewer,
  clientIds: readonly string[],
  partnerOf: Map<string, string>,
  client: ClientRecord | null,
  options: ImpactViewOptions,
) {
  if (!viewer.userId || viewer.isPlatformAdmin || clientIds.length === 0) return;
  const rows: { readerRole: "investor" | "coordinator"; readerUserId: string; clientId: string; partnerId: string; what: string; path: string }[] = [];
  for (const id of new Set(clientIds)) {
    const partnerId = partnerOf.get(id) ?? (client?.id === id ? client.partnerId : null);
    if (!partnerId) continue;
    const staff = viewer.partnerIds.includes(partnerId);
    const role = staff ? (viewer.coordinatorOf.includes(partnerId) ? "coordinator" : null) : "investor";
    if (!role) continue;
    const what = `${options.auditWhat ?? "Impact portal"}: ${client?.id === id ? "client page" : "client row"} (PPI, loans, gender, area)`;
    rows.push({ readerRole: role, readerUserId: viewer.userId, clientId: id, partnerId, what, path: options.auditPath.slice(0, 2000) });
  }
  if (rows.length === 0) return;
  const db = await getDb();
  await db.clientDataRead.createMany({ data: rows });
}

// --- The partner admins' audit trail -------------------------------------------------------

export const AUDIT_PAGE_SIZE = 50;

export type AuditQuery = { partnerId: string; clientId: string | null; page: number };

/** The reads of this partner's clients' data, newest first, one page (or all, for the CSV). */
export async function clientReadTrail(query: AuditQuery, options: { all?: boolean } = {}) {
  const db = await getDb();
  const where = { partnerId: query.partnerId, ...(query.clientId ? { clientId: query.clientId } : {}) };
  const [total, rows] = await Promise.all([
    db.clientDataRead.count({ where }),
    db.clientDataRead.findMany({
      where,
      orderBy: [{ readAt: "desc" }, { id: "desc" }],
      ...(options.all ? {} : { skip: (query.page - 1) * AUDIT_PAGE_SIZE, take: AUDIT_PAGE_SIZE }),
    }),
  ]);
  const userIds = [...new Set(rows.flatMap((r) => (r.readerUserId ? [r.readerUserId] : [])))];
  const clientIds = [...new Set(rows.map((r) => r.clientId))];
  const [users, clients] = await Promise.all([
    db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, name: true, email: true } }),
    db.client.findMany({ where: { id: { in: clientIds }, partnerId: query.partnerId }, select: { id: true, fullName: true } }),
  ]);
  const userById = new Map(users.map((u) => [u.id, u]));
  const clientById = new Map(clients.map((c) => [c.id, c]));
  return {
    total,
    pages: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)),
    rows: rows.map((r) => ({
      id: r.id,
      readAt: r.readAt.toISOString(),
      role: r.readerRole,
      reader: r.readerUserId ? (userById.get(r.readerUserId)?.name ?? "A deleted user") : `API client ${r.apiClientId ?? ""}`.trim(),
      readerEmail: r.readerUserId ? (userById.get(r.readerUserId)?.email ?? "") : "",
      clientId: r.clientId,
      clientName: clientById.get(r.clientId)?.fullName ?? r.clientId,
      what: r.what,
      path: r.path,
    })),
  };
}

/** The partner's clients, for the audit page's filter. */
export async function partnerClientsForFilter(partnerId: string) {
  const db = await getDb();
  return db.client.findMany({ where: { partnerId }, select: { id: true, fullName: true }, orderBy: [{ fullName: "asc" }, { id: "asc" }], take: 2000 });
}

// --- CSV -------------------------------------------------------------------------------------

const pct = (bps: number | null | undefined) => (bps === null || bps === undefined ? "" : (bps / 100).toFixed(2));
const usd = (cents: number | null | undefined) => (cents === null || cents === undefined ? "" : (cents / 100).toFixed(2));

/**
 * The view as CSV: the node's quarters, its children in the last quarter, and
 * loans by sector. Exactly what the page shows: a withheld figure is an empty
 * cell with the reason in the note column.
 */
export function impactViewCsv(view: ImpactView): string {
  const header = [
    "row",
    "name",
    "quarter",
    "clients_reached",
    "women_pct",
    "rural_pct",
    "retention_base_clients",
    "retention_pct",
    "loans_disbursed",
    "average_loan_usd",
    "ppi_scorecard",
    "ppi_poverty_line",
    "ppi_clients",
    "ppi_poverty_rate_pct",
    "ppi_mean_score",
    "note",
    "filters",
  ];
  const scorecard = view.scorecard ? `${view.scorecard.title} (version ${view.scorecard.version})${view.scorecard.isSample ? " SAMPLE DATA" : ""}` : "";
  const figureCells = (f: QuarterFigures) => {
    const withheld =
      [f.reach, f.retention, f.loans, f.ppi].some((x) => x && !x.shown && x.clients === null) ||
      Boolean(f.reach?.sharesWithheld?.length) ||
      Boolean(f.retention?.shareWithheld);
    return {
      cells: [
        String(f.reach?.shown ? f.reach.clients : ""),
        f.reach?.shown ? pct(f.reach.womenBps) : "",
        f.reach?.shown ? pct(f.reach.ruralBps) : "",
        String(f.retention?.shown ? f.retention.clients : ""),
        f.retention?.shown ? pct(f.retention.retainedBps) : "",
        String(f.loans?.shown ? f.loans.loans : ""),
        f.loans?.shown ? usd(f.loans.averageCents) : "",
        f.ppi ? scorecard : "",
        f.ppi ? (view.line ?? "") : "",
        String(f.ppi?.shown ? f.ppi.clients : ""),
        f.ppi?.shown ? pct(f.ppi.rateBps) : "",
        f.ppi?.shown && f.ppi.meanScore !== null ? String(f.ppi.meanScore) : "",
      ],
      note: withheld ? SUPPRESSED_NOTE : "",
    };
  };
  // The gender, area and sector filters on, on every row: a row read alone still says whom it counts.
  const filtersOn = csvCell(filterSummary(view.filters));
  let out = csvRow(header.map((h) => csvCell(h)));
  for (const f of view.trend) {
    const { cells, note } = figureCells(f);
    out += csvRow([csvCell("node"), csvCell(view.title), csvCell(f.quarter), ...cells.map((c) => csvCell(c)), csvCell(note), filtersOn]);
  }
  for (const child of view.children) {
    const { cells, note } = figureCells(child.latest);
    out += csvRow([csvCell(child.kind === "client" ? "client" : "child"), csvCell(child.label), csvCell(child.latest.quarter), ...cells.map((c) => csvCell(c)), csvCell(note), filtersOn]);
  }
  for (const sector of view.sectors) {
    const blank = Array.from({ length: 12 }, () => "");
    blank[5] = sector.shown ? String(sector.loans) : "";
    blank[6] = sector.shown ? usd(sector.averageCents) : "";
    out += csvRow([
      csvCell("sector"),
      csvCell(sector.sector),
      csvCell(`${view.filters.from} to ${view.filters.to}`),
      ...blank.map((c) => csvCell(c)),
      csvCell(sector.shown ? "" : SUPPRESSED_NOTE),
      filtersOn,
    ]);
  }
  return out;
}
