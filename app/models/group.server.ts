// Savings groups and self-help groups: members, meeting records entered by the
// partner's facilitators, and the health figures coordinators watch.
import { z } from "zod";
import { parseMoneyInput } from "~/lib/money.ts";
import { getDb } from "~/utils/db.server.ts";

export function groupSchema(regions: readonly string[]) {
  return z.object({
    name: z.string({ message: "Enter the group's name." }).trim().min(2, "Enter the group's name.").max(120, "Use at most 120 characters."),
    kind: z.enum(["savings_group", "self_help_group"], { message: "Choose the kind of group." }),
    region: z
      .string({ message: "Choose a region." })
      .refine((r) => regions.includes(r), { message: `Choose one of the regions this partner serves: ${regions.join(", ")}.` }),
    village: z.string({ message: "Enter the village or town." }).trim().min(1, "Enter the village or town.").max(120),
    sector: z.string().trim().min(1, "Enter the group's main activity.").max(60),
    story: z.string().trim().max(4000, "Use at most 4,000 characters.").default(""),
  });
}

export async function listGroups(partnerId: string) {
  const db = await getDb();
  return db.group.findMany({
    where: { partnerId },
    select: { id: true, name: true, kind: true, region: true, village: true, _count: { select: { members: { where: { leftAt: null } } } } },
    orderBy: [{ name: "asc" }, { id: "asc" }],
  });
}

export async function getGroup(partnerId: string, groupId: string) {
  const db = await getDb();
  return db.group.findFirst({
    where: { id: groupId, partnerId },
    select: {
      id: true,
      name: true,
      kind: true,
      region: true,
      village: true,
      sector: true,
      story: true,
      members: {
        where: { leftAt: null },
        select: { client: { select: { id: true, fullName: true } }, joinedAt: true },
        orderBy: { joinedAt: "asc" },
      },
      meetings: {
        select: { id: true, heldOn: true, currency: true, savingsCollected: true, loansOutstanding: true, repaymentsCollected: true, notes: true, attendance: { select: { present: true } } },
        orderBy: { heldOn: "desc" },
        take: 100,
      },
    },
  });
}

export async function createGroup(partnerId: string, input: z.infer<ReturnType<typeof groupSchema>>) {
  const db = await getDb();
  return db.group.create({ data: { ...input, partnerId }, select: { id: true } });
}

export class GroupError extends Error {
  constructor(message: string, readonly field = "") {
    super(message);
    this.name = "GroupError";
  }
}

export async function addMember(partnerId: string, groupId: string, clientId: string) {
  const db = await getDb();
  const [group, client] = await Promise.all([
    db.group.findFirst({ where: { id: groupId, partnerId }, select: { id: true } }),
    db.client.findFirst({ where: { id: clientId, partnerId }, select: { id: true } }),
  ]);
  if (!group || !client) throw new GroupError("Choose one of this partner's clients.", "clientId");
  await db.groupMember.upsert({
    where: { groupId_clientId: { groupId, clientId } },
    create: { groupId, clientId },
    update: { leftAt: null },
  });
}

export async function removeMember(partnerId: string, groupId: string, clientId: string) {
  const db = await getDb();
  const group = await db.group.findFirst({ where: { id: groupId, partnerId }, select: { id: true } });
  if (!group) throw new GroupError("No such group.");
  await db.groupMember.updateMany({ where: { groupId, clientId, leftAt: null }, data: { leftAt: new Date() } });
}

function money(field: string, currency: string) {
  return z.string({ message: `Enter ${field}.` }).transform((text, ctx) => {
    if (text.trim() === "0" || text.trim() === "0.00") return 0n;
    const parsed = parseMoneyInput(text, currency, { max: 10n ** 12n });
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.message });
      return z.NEVER;
    }
    return parsed.amount;
  });
}

export function meetingSchema(currency: string, now = new Date()) {
  return z.object({
    heldOn: z.string({ message: "Enter the meeting date." }).transform((text, ctx) => {
      const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : null;
      if (!date || Number.isNaN(date.getTime())) {
        ctx.addIssue({ code: "custom", message: "Enter the meeting date." });
        return z.NEVER;
      }
      if (date.getTime() > now.getTime()) {
        ctx.addIssue({ code: "custom", message: "A meeting cannot be recorded before it happens." });
        return z.NEVER;
      }
      return date;
    }),
    savingsCollected: money("the savings collected", currency),
    loansOutstanding: money("the group's loans outstanding", currency),
    repaymentsCollected: money("the repayments collected", currency),
    notes: z.string().trim().max(2000, "Use at most 2,000 characters.").default(""),
  });
}

/** Records a meeting with who was there. One record per group and date. */
export async function recordMeeting(
  partnerId: string,
  groupId: string,
  input: z.infer<ReturnType<typeof meetingSchema>>,
  presentClientIds: readonly string[],
  recordedById: string,
) {
  const db = await getDb();
  const group = await db.group.findFirst({
    where: { id: groupId, partnerId },
    select: { partner: { select: { currency: true } }, members: { where: { leftAt: null }, select: { clientId: true } } },
  });
  if (!group) throw new GroupError("No such group.");
  const memberIds = group.members.map((m) => m.clientId);
  const stray = presentClientIds.filter((id) => !memberIds.includes(id));
  if (stray.length > 0) throw new GroupError("Attendance can only be recorded for the group's members.", "attendance");
  try {
    return await db.groupMeeting.create({
      data: {
        groupId,
        heldOn: input.heldOn,
        currency: group.partner.currency,
        savingsCollected: input.savingsCollected,
        loansOutstanding: input.loansOutstanding,
        repaymentsCollected: input.repaymentsCollected,
        notes: input.notes,
        recordedById,
        attendance: { create: memberIds.map((clientId) => ({ clientId, present: presentClientIds.includes(clientId) })) },
      },
      select: { id: true },
    });
  } catch (error) {
    if ((error as { code?: string }).code === "P2002") throw new GroupError("A meeting on that date is already recorded.", "heldOn");
    throw error;
  }
}

export type GroupHealth = {
  groupId: string;
  members: number;
  lastMeeting: string | null;
  /** Share of members present over the last six meetings, or null with no meetings. */
  attendanceRate: number | null;
  /** Savings collected in the last 90 days vs the 90 before, as a ratio change (0.1 = +10%). */
  savingsGrowth: number | null;
  currency: string;
  /** Per month, oldest first: attendance rate and savings collected. */
  trend: { month: string; attendanceRate: number | null; savings: string }[];
};

const DAY = 86_400_000;

/** Health of every group of a partner, computed from the meeting records. */
export async function groupHealth(partnerId: string, now = new Date()): Promise<GroupHealth[]> {
  const db = await getDb();
  const since = new Date(now.getTime() - 180 * DAY);
  const groups = await db.group.findMany({
    where: { partnerId },
    select: {
      id: true,
      partner: { select: { currency: true } },
      _count: { select: { members: { where: { leftAt: null } } } },
      meetings: {
        where: { heldOn: { gte: since } },
        select: { heldOn: true, savingsCollected: true, attendance: { select: { present: true } } },
        orderBy: { heldOn: "desc" },
      },
    },
    orderBy: { name: "asc" },
  });
  return groups.map((g) => {
    const recent = g.meetings.slice(0, 6);
    const rows = recent.flatMap((m) => m.attendance);
    const attendanceRate = rows.length ? rows.filter((a) => a.present).length / rows.length : null;
    const window = (from: number, to: number) =>
      g.meetings.filter((m) => m.heldOn.getTime() >= now.getTime() - from * DAY && m.heldOn.getTime() < now.getTime() - to * DAY).reduce((a, m) => a + m.savingsCollected, 0n);
    const last90 = window(90, 0);
    const previous90 = window(180, 90);
    const savingsGrowth = previous90 > 0n ? Number(last90 - previous90) / Number(previous90) : null;
    const months = new Map<string, { present: number; rows: number; savings: bigint }>();
    for (let i = 5; i >= 0; i--) {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
      months.set(d.toISOString().slice(0, 7), { present: 0, rows: 0, savings: 0n });
    }
    for (const m of g.meetings) {
      const bucket = months.get(m.heldOn.toISOString().slice(0, 7));
      if (!bucket) continue;
      bucket.present += m.attendance.filter((a) => a.present).length;
      bucket.rows += m.attendance.length;
      bucket.savings += m.savingsCollected;
    }
    return {
      groupId: g.id,
      members: g._count.members,
      lastMeeting: g.meetings[0]?.heldOn.toISOString() ?? null,
      attendanceRate,
      savingsGrowth,
      currency: g.partner.currency,
      trend: [...months].map(([month, b]) => ({ month, attendanceRate: b.rows ? b.present / b.rows : null, savings: b.savings.toString() })),
    };
  });
}
