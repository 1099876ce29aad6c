// Data for the impact portal's tests, made the way the app makes it: clients,
// groups and consents through the factories, loans funded through the real
// basket and checkout, PPI surveys inserted (the database's triggers keep the
// rollups). Each call uses fresh names, so tests in one file do not collide.
import { checkout, reserve, SHARE_CENTS } from "~/models/lending.server.ts";
import type { ClientArea, ConsentPurpose, Gender } from "~/generated/prisma/enums.ts";
import type { getDb } from "~/utils/db.server.ts";
import { grantConsent, makeClient, makeGroup, makeLoan, makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { creditWallet } from "../factories/repayments.ts";

type Db = Awaited<ReturnType<typeof getDb>>;
let counter = 0;
export const unique = () => `${Date.now().toString(36)}${(++counter).toString(36)}`;

/** A made-up scorecard with one line: likelihood (100 − score) × 100 bps, easy to check by hand. */
export async function makeScorecard(db: Db, country: string, version = unique()) {
  const id = `sc-${unique()}`;
  await db.ppiScorecard.create({
    data: { id, country, version, title: `Test ${country} ${version}`, isSample: true, povertyLines: ["national"], questions: [], sourceFile: "test" },
  });
  await db.ppiLookup.createMany({
    data: Array.from({ length: 101 }, (_, score) => ({ scorecardId: id, povertyLine: "national", score, likelihoodBps: (100 - score) * 100 })),
  });
  return id;
}

export async function survey(db: Db, input: { clientId: string; partnerId: string; scorecardId: string; on: string; score: number }) {
  await db.ppiSurvey.create({
    data: {
      clientId: input.clientId,
      partnerId: input.partnerId,
      scorecardId: input.scorecardId,
      surveyedOn: new Date(`${input.on}T00:00:00Z`),
      answers: {},
      score: input.score,
      requestKey: `survey-${unique()}`,
    },
  });
}

export type PersonSpec = { gender?: Gender; area?: ClientArea; sector?: string; consents?: ConsentPurpose[]; name?: string };

export async function makePeople(db: Db, partnerId: string, region: string, specs: PersonSpec[]) {
  const people = [];
  for (const spec of specs) {
    const client = await makeClient(db, {
      partnerId,
      region,
      fullName: spec.name ?? `Client ${unique()}`,
      gender: spec.gender ?? "female",
      area: spec.area ?? "rural",
      ...(spec.sector ? { sector: spec.sector } : {}),
    });
    for (const purpose of spec.consents ?? []) await grantConsent(db, { clientId: client.id, purpose });
    people.push(client);
  }
  return people;
}

/**
 * A one-share loan to a client or a group, bought by `lenderId` through the
 * basket and checkout (so the share is funded), then dated as funded on `fundedOn`.
 */
export async function fundedLoan(
  db: Db,
  input: { partnerId: string; clientId?: string; groupId?: string; lenderId?: string; fundedOn: string; sector?: string; amountUsdCents?: number },
) {
  const amountUsdCents = input.amountUsdCents ?? Number(SHARE_CENTS);
  const loan = await makeLoan(db, {
    partnerId: input.partnerId,
    ...(input.clientId ? { clientId: input.clientId } : { groupId: input.groupId! }),
    amountUsdCents,
    sector: input.sector ?? "Retail",
  });
  const lenderId = input.lenderId ?? (await makeUser(db)).id;
  const shares = amountUsdCents / Number(SHARE_CENTS);
  await creditWallet(lenderId, BigInt(amountUsdCents));
  await reserve({ userId: lenderId, loanId: loan.id, shares });
  const result = await checkout({ userId: lenderId, requestKey: `impact-${unique()}`, tipCents: 0n });
  if (result.status !== "completed") throw new Error("fundedLoan: checkout did not complete");
  // Funded and disbursed the same day: the social indicators count loans from disbursal.
  const at = new Date(`${input.fundedOn}T12:00:00Z`);
  await db.loan.update({ where: { id: loan.id }, data: { fundedAt: at, disbursedAt: at } });
  return loan;
}

export async function makeStaff(db: Db, partnerId: string, role: "admin" | "officer" | "coordinator") {
  const user = await makeUser(db, { name: `Staff ${role}` });
  await makeMembership(db, { userId: user.id, partnerId, role });
  return user;
}

export { makeGroup, makePartner, makeUser, grantConsent };
