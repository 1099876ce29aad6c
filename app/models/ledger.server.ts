// The only code that writes money. Every movement is a transaction of postings
// that sum to zero per currency, posted with an idempotency key, in one
// database transaction that also updates the account balances. Nothing here
// edits or deletes a posted row (the database refuses it too).
//
// Batches are first-class: `postTransactions` writes many transactions with a
// handful of set-based statements, so a repayment to 10,000 lenders costs about
// what inserting the rows costs.
import crypto from "node:crypto";
import { getDb, type Db } from "~/utils/db.server.ts";
import { intArrayLiteral, textArrayLiteral } from "~/utils/sql-array.server.ts";

/** A Prisma client or an interactive-transaction client. */
export type DbTx = Pick<Db, "$queryRawUnsafe" | "$executeRawUnsafe">;

// ---------------------------------------------------------------------------
// Errors

export class LedgerError extends Error {}

export class Unbalanced extends LedgerError {
  constructor(readonly idempotencyKey: string, readonly currency: string, readonly sum: bigint) {
    super(`Transaction ${idempotencyKey} does not balance in ${currency}: postings sum to ${sum}, not 0.`);
    this.name = "Unbalanced";
  }
}

export class InsufficientFunds extends LedgerError {
  constructor(readonly account: string, readonly currency: string, readonly available: bigint, readonly needed: bigint) {
    super(`Not enough money in ${account}: ${available} ${currency} available, ${needed} needed.`);
    this.name = "InsufficientFunds";
  }
}

export class IdempotencyConflict extends LedgerError {
  constructor(readonly idempotencyKey: string) {
    super(`The idempotency key ${idempotencyKey} was already used for a different request.`);
    this.name = "IdempotencyConflict";
  }
}

export class InvalidPosting extends LedgerError {
  constructor(message: string) {
    super(message);
    this.name = "InvalidPosting";
  }
}

export class AlreadyReversed extends LedgerError {
  constructor(readonly transactionId: bigint) {
    super(`Transaction ${transactionId} has already been reversed.`);
    this.name = "AlreadyReversed";
  }
}

export class HoldNotPending extends LedgerError {
  constructor(readonly holdId: bigint, readonly status: string) {
    super(`Hold ${holdId} is already ${status}.`);
    this.name = "HoldNotPending";
  }
}

// ---------------------------------------------------------------------------
// Accounts

export type AccountKind = "wallet" | "escrow" | "payable" | "platform" | "external";

const ACCOUNT_PATTERNS: { pattern: RegExp; kind: AccountKind }[] = [
  { pattern: /^(lender|user):[^:\s]+:wallet$/, kind: "wallet" },
  { pattern: /^(loan|offering|checkout|withdrawal):[^:\s]+:escrow$/, kind: "escrow" },
  { pattern: /^(loan|offering):[^:\s]+:(outstanding|disbursed)$/, kind: "payable" },
  { pattern: /^partner:[^:\s]+:payable$/, kind: "payable" },
  { pattern: /^platform:[a-z_]+$/, kind: "platform" },
  { pattern: /^external:[a-z_]+(:[^:\s]+)?$/, kind: "external" },
];

/** What an account name means: its kind, and whether it may go below zero (only money outside Mavuno). */
export function accountKind(name: string): AccountKind {
  const match = ACCOUNT_PATTERNS.find(({ pattern }) => pattern.test(name));
  if (!match) throw new InvalidPosting(`Unknown account name ${JSON.stringify(name)}.`);
  return match.kind;
}

export const walletAccount = (userId: string) => `lender:${userId}:wallet`;
export const loanEscrowAccount = (loanId: string) => `loan:${loanId}:escrow`;
export const PLATFORM_DONATIONS = "platform:donations";
export const EXTERNAL_CARD = "external:card";
export const EXTERNAL_PAYOUT = "external:payout";

// ---------------------------------------------------------------------------
// Commands

export type PostingInput = { account: string; amount: bigint; currency: string };

export type TransactionInput = {
  idempotencyKey: string;
  /** What kind of movement: card_top_up, donation, withdrawal, hold, hold_post, hold_void, reversal, ... */
  kind: string;
  /** Why, in words a lender understands. Not part of the idempotency check. */
  memo: string;
  /** Links to what caused it. Part of the idempotency check. */
  reference?: Record<string, string>;
  postings: PostingInput[];
  /** Set only by `reverse`: the transaction this one undoes (at most one reversal each). */
  reverses?: bigint;
};

export type PostedTransaction = {
  id: bigint;
  idempotencyKey: string;
  /** True when this key was posted before with the same input: nothing new happened. */
  replayed: boolean;
};

const CURRENCY = /^[A-Z]{3}$/;
const MAX_AMOUNT = 10n ** 15n; // a quadrillion minor units: far past any real movement, well inside int8

function validate(input: TransactionInput): void {
  if (!input.idempotencyKey || input.idempotencyKey.length > 200) {
    throw new InvalidPosting("Every transaction needs an idempotency key of at most 200 characters.");
  }
  if (input.postings.length < 2) throw new InvalidPosting(`Transaction ${input.idempotencyKey} needs at least two postings.`);
  const sums = new Map<string, bigint>();
  for (const posting of input.postings) {
    if (!CURRENCY.test(posting.currency)) throw new InvalidPosting(`Unknown currency ${JSON.stringify(posting.currency)}.`);
    if (typeof posting.amount !== "bigint") throw new InvalidPosting("Amounts are integers of minor units (bigint).");
    if (posting.amount === 0n) throw new InvalidPosting(`Transaction ${input.idempotencyKey} has a zero posting.`);
    if (posting.amount > MAX_AMOUNT || posting.amount < -MAX_AMOUNT) throw new InvalidPosting("Amount out of range.");
    accountKind(posting.account);
    sums.set(posting.currency, (sums.get(posting.currency) ?? 0n) + posting.amount);
  }
  for (const [currency, sum] of sums) if (sum !== 0n) throw new Unbalanced(input.idempotencyKey, currency, sum);
}

// The canonical JSON of a command: object keys sorted, undefined members left
// out, bigints as strings. Stored hashes depend on this exact text. A
// repayment to 10,000 lenders hashes 10,000 postings, so the common case is
// kept cheap: keys already in order are not sorted again, and each key's
// quoted form is made once.
const quotedKeys = new Map<string, string>();
function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < 1_000) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function canonical(value: unknown): string {
  if (typeof value === "bigint") return `"${value}"`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let i = 1; i < keys.length; i++) {
      if (keys[i - 1]! > keys[i]!) {
        keys.sort();
        break;
      }
    }
    let members = "";
    for (const key of keys) {
      if (record[key] === undefined) continue;
      members += `${members ? "," : ""}${quotedKey(key)}${canonical(record[key])}`;
    }
    return `{${members}}`;
  }
  return JSON.stringify(value);
}

export function inputHash(input: TransactionInput): string {
  const { kind, reference, postings } = input;
  return crypto.createHash("sha256").update(canonical({ kind, reference: reference ?? {}, postings })).digest("hex");
}

type Row = Record<string, unknown>;
const toBig = (value: unknown) => BigInt(value as string | number | bigint);

// Prisma's interactive transactions: generous limits, since a batch may be large
// and concurrent callers queue on the same wallet's row lock.
const TX_OPTIONS = { maxWait: 60_000, timeout: 120_000 } as const;

/** Runs `work` in a database transaction, or inside the caller's when one is given. */
export async function inTransaction<T>(work: (tx: DbTx) => Promise<T>, tx?: DbTx): Promise<T> {
  if (tx) return work(tx);
  const db = await getDb();
  return db.$transaction((inner) => work(inner), TX_OPTIONS);
}

/**
 * Posts transactions, all or none. A key already posted with the same input is
 * a replay (returned with `replayed: true`, nothing moves again); with another
 * input it is an IdempotencyConflict. A wallet or escrow that would go below
 * zero fails the whole call with InsufficientFunds.
 */
export async function postTransactions(inputs: readonly TransactionInput[], options: { tx?: DbTx } = {}): Promise<PostedTransaction[]> {
  if (inputs.length === 0) return [];
  const keys = new Set<string>();
  for (const input of inputs) {
    validate(input);
    if (keys.has(input.idempotencyKey)) throw new InvalidPosting(`Idempotency key ${input.idempotencyKey} appears twice in one batch.`);
    keys.add(input.idempotencyKey);
  }
  const hashes = inputs.map(inputHash);
  if (!options.tx) return inTransaction((tx) => postWithin(tx, inputs, hashes));
  // Inside a caller's transaction: a refusal must leave nothing of this call
  // behind, so the caller may catch it and carry on.
  const tx = options.tx;
  await tx.$executeRawUnsafe("SAVEPOINT ledger_post");
  try {
    const posted = await postWithin(tx, inputs, hashes);
    await tx.$executeRawUnsafe("RELEASE SAVEPOINT ledger_post");
    return posted;
  } catch (error) {
    await tx.$executeRawUnsafe("ROLLBACK TO SAVEPOINT ledger_post");
    throw error;
  }
}

export async function postTransaction(input: TransactionInput, options: { tx?: DbTx } = {}): Promise<PostedTransaction> {
  const [posted] = await postTransactions([input], options);
  return posted!;
}

async function postWithin(tx: DbTx, inputs: readonly TransactionInput[], hashes: string[]): Promise<PostedTransaction[]> {
  // 1. Claim the idempotency keys. A concurrent claim of the same key waits here
  //    on the unique index until the first commits, then sees the conflict.
  const inserted = (await tx
    .$queryRawUnsafe(
      `INSERT INTO ledger_transactions (idempotency_key, input_hash, kind, memo, reference, reverses_id)
       SELECT t.idempotency_key, t.input_hash, t.kind, t.memo, t.reference, t.reverses_id
         FROM jsonb_to_recordset($1::jsonb) AS t(ord int, idempotency_key text, input_hash text, kind text, memo text, reference jsonb, reverses_id bigint)
        ORDER BY t.ord
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id, idempotency_key`,
      JSON.stringify(
        inputs.map((input, ord) => ({
          ord,
          idempotency_key: input.idempotencyKey,
          input_hash: hashes[ord],
          kind: input.kind,
          memo: input.memo,
          reference: input.reference ?? {},
          reverses_id: input.reverses?.toString() ?? null,
        })),
      ),
    )
    .catch((error: unknown) => {
      const reversed = inputs.find((input) => input.reverses !== undefined);
      if (reversed && /reverses_id/.test(String((error as Error).message) + JSON.stringify((error as { meta?: unknown }).meta ?? {}))) {
        throw new AlreadyReversed(reversed.reverses!);
      }
      throw error;
    })) as Row[];
  const newIds = new Map(inserted.map((row) => [row.idempotency_key as string, toBig(row.id)]));

  const results: PostedTransaction[] = [];
  const missing = inputs.filter((input) => !newIds.has(input.idempotencyKey)).map((input) => input.idempotencyKey);
  const existing = new Map<string, { id: bigint; hash: string }>();
  if (missing.length > 0) {
    const rows = (await tx.$queryRawUnsafe(
      `SELECT id, idempotency_key, input_hash FROM ledger_transactions
        WHERE idempotency_key IN (SELECT jsonb_array_elements_text($1::jsonb))`,
      JSON.stringify(missing),
    )) as Row[];
    for (const row of rows) existing.set(row.idempotency_key as string, { id: toBig(row.id), hash: row.input_hash as string });
  }
  inputs.forEach((input, index) => {
    const fresh = newIds.get(input.idempotencyKey);
    if (fresh !== undefined) {
      results.push({ id: fresh, idempotencyKey: input.idempotencyKey, replayed: false });
      return;
    }
    const before = existing.get(input.idempotencyKey);
    if (!before || before.hash !== hashes[index]) throw new IdempotencyConflict(input.idempotencyKey);
    results.push({ id: before.id, idempotencyKey: input.idempotencyKey, replayed: true });
  });

  const toPost = inputs.map((input, index) => ({ input, id: results[index]!.id, replayed: results[index]!.replayed })).filter((t) => !t.replayed);
  if (toPost.length === 0) return results;

  // 2. The accounts touched and each one's net change; then lock them, check
  //    the floors and move the balances, creating any account not there yet.
  type Touched = { name: string; currency: string; kind: AccountKind; delta: bigint; id: bigint };
  const touched = new Map<string, Touched>();
  const postingAccounts: Touched[] = [];
  for (const { input } of toPost) {
    for (const posting of input.postings) {
      const key = `${posting.account}\u0000${posting.currency}`;
      let account = touched.get(key);
      if (!account) {
        account = { name: posting.account, currency: posting.currency, kind: accountKind(posting.account), delta: 0n, id: -1n };
        touched.set(key, account);
      }
      account.delta += posting.amount;
      postingAccounts.push(account);
    }
  }
  const accountList = [...touched.values()];
  // A repayment to 10,000 lenders is 10,000 accounts, so each account is
  // locked and moved by one statement: the accounts are locked in id order (a
  // fixed order, so two batches touching the same accounts cannot deadlock;
  // the UPDATE then only touches rows this statement has already locked), and
  // each balance moves unless that would take it below its floor. Arrays
  // rather than JSON (unnest is several times cheaper to read than
  // jsonb_to_recordset), each sent as one array literal
  // (~/utils/sql-array.server.ts); the moved accounts come back as one
  // string of position:id pairs (10,000 result rows cost more to receive than
  // to move). The table's CHECK constraint keeps the floor again, whatever
  // code runs.
  const move = async (list: Touched[]) => {
    const rows = (await tx.$queryRawUnsafe(
      `WITH locked AS MATERIALIZED (
         SELECT a.id, t.ord, t.delta
           FROM ledger_accounts a
           JOIN unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS t(name, currency, delta, ord)
             ON a.name = t.name AND a.currency = t.currency
          ORDER BY a.id
            FOR UPDATE OF a),
       moved AS (
         UPDATE ledger_accounts a SET balance = a.balance + l.delta, updated_at = CASE WHEN l.delta <> 0 THEN now() ELSE a.updated_at END
           FROM locked l
          WHERE a.id = l.id AND (a.allow_negative OR a.balance + l.delta >= 0)
         RETURNING a.id, l.ord)
       SELECT count(*)::int AS moved, string_agg(ord || ':' || id, ',') AS ids FROM moved`,
      textArrayLiteral(list.map((a) => a.name)),
      textArrayLiteral(list.map((a) => a.currency)),
      intArrayLiteral(list.map((a) => a.delta)),
    )) as Row[];
    const moved = rows[0]!;
    if (moved.ids) {
      for (const pair of (moved.ids as string).split(",")) {
        const colon = pair.indexOf(":");
        list[Number(pair.slice(0, colon)) - 1]!.id = BigInt(pair.slice(colon + 1));
      }
    }
    return Number(moved.moved) === list.length ? [] : list.filter((a) => a.id < 0n);
  };
  // Not moved: an account short of money (locked above, so its balance is
  // still the one that refused), or one that does not exist yet.
  const refuseShort = async (list: Touched[]) => {
    const rows = (await tx.$queryRawUnsafe(
      `SELECT t.ord, a.balance FROM ledger_accounts a
         JOIN unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(name, currency, ord) ON a.name = t.name AND a.currency = t.currency
        ORDER BY t.ord LIMIT 1`,
      list.map((a) => a.name),
      list.map((a) => a.currency),
    )) as Row[];
    if (rows[0]) {
      const account = list[Number(rows[0].ord) - 1]!;
      throw new InsufficientFunds(account.name, account.currency, toBig(rows[0].balance), -account.delta);
    }
  };
  const notMoved = await move(accountList);
  if (notMoved.length > 0) {
    await refuseShort(notMoved);
    // Creating accounts is rare (a wallet's first credit, a loan's first
    // share): in name order, so two creators queue rather than deadlock.
    await tx.$executeRawUnsafe(
      `INSERT INTO ledger_accounts (name, currency, kind, allow_negative)
       SELECT t.name, t.currency, t.kind, t.allow_negative
         FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[]) AS t(name, currency, kind, allow_negative)
        ORDER BY t.name, t.currency
       ON CONFLICT (name, currency) DO NOTHING`,
      notMoved.map((a) => a.name),
      notMoved.map((a) => a.currency),
      notMoved.map((a) => a.kind),
      notMoved.map((a) => a.kind === "external"),
    );
    const stillShort = await move(notMoved);
    if (stillShort.length > 0) await refuseShort(stillShort);
  }

  // 3. Postings, one statement.
  const postingTransactions: bigint[] = [];
  const postingAmounts: bigint[] = [];
  const postingCurrencies: string[] = [];
  for (const { input, id } of toPost) {
    for (const posting of input.postings) {
      postingTransactions.push(id);
      postingAmounts.push(posting.amount);
      postingCurrencies.push(posting.currency);
    }
  }
  await tx.$executeRawUnsafe(
    `INSERT INTO ledger_postings (transaction_id, account_id, amount, currency)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[])`,
    intArrayLiteral(postingTransactions),
    intArrayLiteral(postingAccounts.map((a) => a.id)),
    intArrayLiteral(postingAmounts),
    textArrayLiteral(postingCurrencies),
  );
  return results;
}

// ---------------------------------------------------------------------------
// Two-phase transfers (escrow)

export type HoldInput = {
  idempotencyKey: string;
  source: string;
  escrow: string;
  amount: bigint;
  currency: string;
  memo: string;
  reference?: Record<string, string>;
};

/** Moves money from `source` into `escrow` and records a pending hold that can later be posted or voided. */
export async function hold(input: HoldInput, options: { tx?: DbTx } = {}): Promise<{ holdId: bigint; transaction: PostedTransaction }> {
  if (accountKind(input.escrow) !== "escrow") throw new InvalidPosting(`${input.escrow} is not an escrow account.`);
  if (input.amount <= 0n) throw new InvalidPosting("A hold must be for more than zero.");
  return inTransaction(async (tx) => {
    const transaction = await postTransaction(
      {
        idempotencyKey: input.idempotencyKey,
        kind: "hold",
        memo: input.memo,
        reference: input.reference,
        postings: [
          { account: input.source, amount: -input.amount, currency: input.currency },
          { account: input.escrow, amount: input.amount, currency: input.currency },
        ],
      },
      { tx },
    );
    const rows = (await tx.$queryRawUnsafe(
      `INSERT INTO ledger_holds (hold_transaction_id, source_account_id, escrow_account_id, amount, currency)
       SELECT $1::bigint, s.id, e.id, $4::bigint, $5
         FROM ledger_accounts s, ledger_accounts e
        WHERE s.name = $2 AND s.currency = $5 AND e.name = $3 AND e.currency = $5
       ON CONFLICT (hold_transaction_id) DO UPDATE SET hold_transaction_id = EXCLUDED.hold_transaction_id
       RETURNING id`,
      transaction.id.toString(),
      input.source,
      input.escrow,
      input.amount.toString(),
      input.currency,
    )) as Row[];
    return { holdId: toBig(rows[0]!.id), transaction };
  }, options.tx);
}

type HoldRow = { id: bigint; status: string; amount: bigint; currency: string; source: string; escrow: string; resolvedTransactionId: bigint | null };

async function lockHold(tx: DbTx, holdId: bigint): Promise<HoldRow> {
  const rows = (await tx.$queryRawUnsafe(
    `SELECT h.id, h.status::text AS status, h.amount, h.currency, s.name AS source, e.name AS escrow, h.resolved_transaction_id
       FROM ledger_holds h JOIN ledger_accounts s ON s.id = h.source_account_id JOIN ledger_accounts e ON e.id = h.escrow_account_id
      WHERE h.id = $1::bigint
        FOR UPDATE OF h`,
    holdId.toString(),
  )) as Row[];
  const row = rows[0];
  if (!row) throw new InvalidPosting(`There is no hold ${holdId}.`);
  return {
    id: toBig(row.id),
    status: row.status as string,
    amount: toBig(row.amount),
    currency: (row.currency as string).trim(),
    source: row.source as string,
    escrow: row.escrow as string,
    resolvedTransactionId: row.resolved_transaction_id === null ? null : toBig(row.resolved_transaction_id),
  };
}

async function resolveHold(
  action: "post" | "void",
  input: { idempotencyKey: string; holdId: bigint; destination?: string; memo: string; reference?: Record<string, string> },
  options: { tx?: DbTx },
): Promise<PostedTransaction> {
  return inTransaction(async (tx) => {
    const held = await lockHold(tx, input.holdId);
    const destination = action === "post" ? input.destination : held.source;
    if (!destination) throw new InvalidPosting("Posting a hold needs a destination account.");
    const command: TransactionInput = {
      idempotencyKey: input.idempotencyKey,
      kind: action === "post" ? "hold_post" : "hold_void",
      memo: input.memo,
      reference: { ...input.reference, holdId: held.id.toString() },
      postings: [
        { account: held.escrow, amount: -held.amount, currency: held.currency },
        { account: destination, amount: held.amount, currency: held.currency },
      ],
    };
    if (held.status !== "pending") {
      // A retry of the very call that resolved it is a replay; anything else is refused.
      const rows = (await tx.$queryRawUnsafe(
        `SELECT id, input_hash FROM ledger_transactions WHERE idempotency_key = $1`,
        input.idempotencyKey,
      )) as Row[];
      const earlier = rows[0];
      if (earlier && toBig(earlier.id) === held.resolvedTransactionId && earlier.input_hash === inputHash(command)) {
        return { id: held.resolvedTransactionId, idempotencyKey: input.idempotencyKey, replayed: true };
      }
      throw new HoldNotPending(held.id, held.status);
    }
    const posted = await postTransaction(command, { tx });
    await tx.$executeRawUnsafe(
      `UPDATE ledger_holds SET status = $2::"LedgerHoldStatus", resolved_transaction_id = $3::bigint, resolved_at = now()
        WHERE id = $1::bigint AND status = 'pending'`,
      held.id.toString(),
      action === "post" ? "posted" : "voided",
      posted.id.toString(),
    );
    return posted;
  }, options.tx);
}

/** Moves held money from escrow on to `destination`. */
export function postHold(
  input: { idempotencyKey: string; holdId: bigint; destination: string; memo: string; reference?: Record<string, string> },
  options: { tx?: DbTx } = {},
) {
  return resolveHold("post", input, options);
}

/** Returns held money from escrow to where it came from. */
export function voidHold(
  input: { idempotencyKey: string; holdId: bigint; memo: string; reference?: Record<string, string> },
  options: { tx?: DbTx } = {},
) {
  return resolveHold("void", input, options);
}

// ---------------------------------------------------------------------------
// Corrections

/** A new transaction that undoes `transactionId` exactly. A transaction is reversed at most once. */
export async function reverse(
  input: { idempotencyKey: string; transactionId: bigint; memo: string },
  options: { tx?: DbTx } = {},
): Promise<PostedTransaction> {
  return inTransaction(async (tx) => {
    const rows = (await tx.$queryRawUnsafe(
      `SELECT a.name, p.amount, p.currency FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
        WHERE p.transaction_id = $1::bigint ORDER BY p.id`,
      input.transactionId.toString(),
    )) as Row[];
    if (rows.length === 0) throw new InvalidPosting(`There is no transaction ${input.transactionId}.`);
    // reverses_id is unique: a second reversal of the same transaction is refused.
    return postTransaction(
      {
        idempotencyKey: input.idempotencyKey,
        kind: "reversal",
        memo: input.memo,
        reference: { reverses: input.transactionId.toString() },
        reverses: input.transactionId,
        postings: rows.map((row) => ({ account: row.name as string, amount: -toBig(row.amount), currency: (row.currency as string).trim() })),
      },
      { tx },
    );
  }, options.tx);
}

// ---------------------------------------------------------------------------
// Reading

export async function getBalance(account: string, currency: string, tx?: DbTx): Promise<bigint> {
  const client = tx ?? (await getDb());
  const rows = (await client.$queryRawUnsafe(
    `SELECT balance FROM ledger_accounts WHERE name = $1 AND currency = $2`,
    account,
    currency,
  )) as Row[];
  return rows[0] ? toBig(rows[0].balance) : 0n;
}

export type AccountEntry = {
  postingId: bigint;
  transactionId: bigint;
  amount: bigint;
  kind: string;
  memo: string;
  reference: Record<string, string>;
  createdAt: Date;
};

/** An account's movements, newest first, paged by posting id. */
export async function listEntries(
  account: string,
  currency: string,
  options: { before?: bigint; limit?: number } = {},
): Promise<AccountEntry[]> {
  const db = await getDb();
  const limit = Math.min(Math.max(options.limit ?? 25, 1), 10_000);
  const rows = (await db.$queryRawUnsafe(
    `SELECT p.id, p.transaction_id, p.amount, t.kind, t.memo, t.reference, t.created_at
       FROM ledger_postings p
       JOIN ledger_accounts a ON a.id = p.account_id
       JOIN ledger_transactions t ON t.id = p.transaction_id
      WHERE a.name = $1 AND a.currency = $2 AND ($3::bigint IS NULL OR p.id < $3::bigint)
      ORDER BY p.id DESC
      LIMIT $4`,
    account,
    currency,
    options.before?.toString() ?? null,
    limit,
  )) as Row[];
  return rows.map((row) => ({
    postingId: toBig(row.id),
    transactionId: toBig(row.transaction_id),
    amount: toBig(row.amount),
    kind: row.kind as string,
    memo: row.memo as string,
    reference: (typeof row.reference === "string" ? JSON.parse(row.reference) : row.reference) as Record<string, string>,
    createdAt: row.created_at as Date,
  }));
}

// ---------------------------------------------------------------------------
// Proof

export type VerifyReport = {
  accounts: number;
  transactions: number;
  postings: number;
  /** Stored balance differs from the sum of the account's postings. */
  balanceMismatches: { account: string; currency: string; stored: bigint; derived: bigint }[];
  /** A transaction whose postings do not sum to zero in some currency. */
  unbalanced: { transactionId: bigint; currency: string; sum: bigint }[];
  /** An account that may not go negative, below zero. */
  negative: { account: string; currency: string; balance: bigint }[];
  /** A posting in another currency than its account's. */
  currencyMismatches: { postingId: bigint; account: string }[];
  /** An escrow account whose balance is not the sum of its pending holds. */
  escrowMismatches: { account: string; currency: string; balance: bigint; pendingHolds: bigint }[];
  /** A transaction with fewer than two postings. */
  incomplete: { transactionId: bigint }[];
  ok: boolean;
};

/** Re-derives every balance from the postings and checks every invariant. */
export async function verifyLedger(): Promise<VerifyReport> {
  const db = await getDb();
  const q = (sql: string) => db.$queryRawUnsafe(sql) as Promise<Row[]>;
  const [counts, balances, unbalanced, negative, currencies, escrows, incomplete] = await Promise.all([
    q(`SELECT (SELECT count(*) FROM ledger_accounts) AS accounts, (SELECT count(*) FROM ledger_transactions) AS transactions,
              (SELECT count(*) FROM ledger_postings) AS postings`),
    q(`SELECT a.name, a.currency, a.balance AS stored, COALESCE(s.total, 0) AS derived
         FROM ledger_accounts a LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger_postings GROUP BY account_id) s ON s.account_id = a.id
        WHERE a.balance <> COALESCE(s.total, 0)`),
    q(`SELECT transaction_id, currency, sum(amount) AS total FROM ledger_postings GROUP BY transaction_id, currency HAVING sum(amount) <> 0`),
    q(`SELECT name, currency, balance FROM ledger_accounts WHERE NOT allow_negative AND balance < 0`),
    q(`SELECT p.id, a.name FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id WHERE p.currency <> a.currency`),
    q(`SELECT a.name, a.currency, a.balance, COALESCE(h.total, 0) AS pending
         FROM ledger_accounts a LEFT JOIN (SELECT escrow_account_id, sum(amount) AS total FROM ledger_holds WHERE status = 'pending' GROUP BY escrow_account_id) h
           ON h.escrow_account_id = a.id
        WHERE a.kind = 'escrow' AND a.balance <> COALESCE(h.total, 0)`),
    q(`SELECT t.id FROM ledger_transactions t LEFT JOIN ledger_postings p ON p.transaction_id = t.id GROUP BY t.id HAVING count(p.id) < 2`),
  ]);
  const report: VerifyReport = {
    accounts: Number(counts[0]!.accounts),
    transactions: Number(counts[0]!.transactions),
    postings: Number(counts[0]!.postings),
    balanceMismatches: balances.map((r) => ({ account: r.name as string, currency: String(r.currency).trim(), stored: toBig(r.stored), derived: toBig(r.derived) })),
    unbalanced: unbalanced.map((r) => ({ transactionId: toBig(r.transaction_id), currency: String(r.currency).trim(), sum: toBig(r.total) })),
    negative: negative.map((r) => ({ account: r.name as string, currency: String(r.currency).trim(), balance: toBig(r.balance) })),
    currencyMismatches: currencies.map((r) => ({ postingId: toBig(r.id), account: r.name as string })),
    escrowMismatches: escrows.map((r) => ({ account: r.name as string, currency: String(r.currency).trim(), balance: toBig(r.balance), pendingHolds: toBig(r.pending) })),
    incomplete: incomplete.map((r) => ({ transactionId: toBig(r.id) })),
    ok: true,
  };
  report.ok =
    report.balanceMismatches.length + report.unbalanced.length + report.negative.length + report.currencyMismatches.length +
      report.escrowMismatches.length + report.incomplete.length ===
    0;
  return report;
}
