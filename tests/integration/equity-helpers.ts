// Shared by the equity tests: a listed offering made directly in the database
// (the offerings pages are another part's), and investors with wallet credit.
import crypto from "node:crypto";
import { EXTERNAL_CARD, postTransaction, walletAccount } from "~/models/ledger.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { makeClient, makeGroup, makePartner, makeUser } from "../factories/index.ts";

const DAY = 86_400_000;

export async function listedOffering(
  overrides: Partial<{
    maxRaiseCents: bigint;
    minRaiseCents: bigint;
    unitPriceCents: bigint;
    profitShareBps: number;
    capitalReturned: boolean;
    perInvestorMaxUnits: number;
    cancellationHours: number;
    fundraisingDeadline: Date;
    cycleStart: Date;
    cycleEnd: Date;
    partnerId: string;
  }> = {},
) {
  const db = await getDb();
  const partner = overrides.partnerId ? await db.partner.findUniqueOrThrow({ where: { id: overrides.partnerId } }) : await makePartner(db);
  const member = await makeClient(db, { partnerId: partner.id });
  const group = await makeGroup(db, { partnerId: partner.id, memberIds: [member.id] });
  const now = Date.now();
  const { partnerId: _ignored, ...terms } = overrides;
  const offering = await db.offering.create({
    data: {
      reference: `EQ-${crypto.randomBytes(4).toString("hex").toUpperCase()}`,
      partnerId: partner.id,
      groupId: group.id,
      status: "listed",
      title: "Umoja savings group, 2027 cycle",
      maxRaiseCents: 100_000n,
      minRaiseCents: 50_000n,
      unitPriceCents: 1_000n,
      profitShareBps: 2_000,
      capitalReturned: true,
      cycleStart: new Date(now + 10 * DAY),
      cycleEnd: new Date(now + 200 * DAY),
      fundraisingDeadline: new Date(now + 7 * DAY),
      perInvestorMaxUnits: 50,
      cancellationHours: 48,
      risks: "The group may make a loss.",
      listedAt: new Date(now),
      ...terms,
    },
  });
  return { offering, partner, group };
}

let n = 0;
export async function investor(cents = 1_000_000n, name = "Test Investor") {
  const user = await makeUser(await getDb(), { name });
  if (cents > 0n) {
    await postTransaction({
      idempotencyKey: `equity-test-credit:${user.id}:${++n}`,
      kind: "card_top_up",
      memo: "Added credit by card",
      postings: [
        { account: EXTERNAL_CARD, amount: -cents, currency: "USD" },
        { account: walletAccount(user.id), amount: cents, currency: "USD" },
      ],
    });
  }
  return user;
}

export const requestKey = () => `buy-${crypto.randomUUID()}`;
