// A lender with a very large portfolio, made set-based in SQL (a handful of
// statements whatever the size), for the portfolio's scale test and
// `npm run bench -- repay`. Fictional data; the rows are what recording and
// distributing repayments would leave (schedules, repayments, the lender's
// allocations, the loans' running totals), written directly because going
// through the app for 10,000 loans would take minutes. No ledger rows: the
// portfolio never reads the ledger.
import type { Db } from "~/utils/db.server.ts";

export type ScalePortfolio = { lenderId: string; loans: number; prefix: string };

/**
 * `loans` loans, each with one $25 share held by `lenderId`, spread over five
 * partners in five countries: mostly paying back (disbursed over the last
 * year, monthly instalments for 12 months, paid on time except every tenth
 * loan, which is a month behind; every fourth repaid at a weaker rate, with an
 * FX loss), some repaid, defaulted, written off, funded, fundraising, expired.
 */
export async function makeScalePortfolio(db: Db, input: { lenderId: string; loans: number; prefix?: string; now?: Date }): Promise<ScalePortfolio> {
  const prefix = input.prefix ?? "pf";
  const now = (input.now ?? new Date()).toISOString();
  const n = input.loans;
  await db.$transaction(
    async (tx) => {
      const run = (sql: string, ...values: unknown[]) => tx.$executeRawUnsafe(sql, ...values);
      await run(
        `INSERT INTO partners (id, slug, name, legal_name, country, regions, status, contact_email, currency, joined_at)
         SELECT $1 || '-partner-' || k, $1 || '-partner-' || k, 'Scale Partner ' || k, 'Scale Partner ' || k || ' Ltd',
                (ARRAY['KE', 'UG', 'TZ', 'RW', 'GH'])[k], ARRAY['Central'], 'active', 'contact@' || $1 || k || '.example',
                (ARRAY['KES', 'UGX', 'TZS', 'RWF', 'GHS'])[k], $2::timestamptz - interval '3 years'
           FROM generate_series(1, 5) AS k`,
        prefix,
        now,
      );
      await run(
        `INSERT INTO clients (id, partner_id, full_name, gender, region, village, sector, story)
         SELECT $1 || '-client-' || i, $1 || '-partner-' || (1 + i % 5), 'Scale Client ' || i, 'female', 'Central', 'Village', 'Retail', ''
           FROM generate_series(1, $2::int) AS i`,
        prefix,
        n,
      );
      // Status by position: 70% paying back, then the rest spread over the others.
      await run(
        `INSERT INTO loans (id, reference, partner_id, client_id, status, amount_usd_cents, local_currency, amount_local_minor, fx_rate,
                            purpose, sector, term_months, frequency, interest_method, annual_rate_bps, fundraising_deadline, listed_at,
                            shares_sold, lender_count, funded_at, disbursed_at, updated_at)
         SELECT $1 || '-loan-' || i, upper($1) || '-' || lpad(i::text, 6, '0'), $1 || '-partner-' || (1 + i % 5), $1 || '-client-' || i,
                st::"LoanStatus", amount, (ARRAY['KES', 'UGX', 'TZS', 'RWF', 'GHS'])[1 + i % 5],
                round(amount * (ARRAY[129.5, 37.5, 2500, 13, 12])[1 + i % 5])::bigint,
                (ARRAY[129.5, 3750, 2500, 1300, 12])[1 + i % 5],
                'To buy stock for the shop', 'Retail', 12, 'monthly', 'flat', 2400,
                CASE WHEN st = 'fundraising' THEN $2::timestamptz + interval '10 days' ELSE $2::timestamptz - make_interval(days => days_ago + 3) END,
                $2::timestamptz - make_interval(days => days_ago + 33),
                CASE WHEN st IN ('fundraising', 'expired') THEN 1 ELSE amount / 2500 END, 1,
                CASE WHEN st NOT IN ('fundraising', 'expired') THEN $2::timestamptz - make_interval(days => days_ago + 2) END,
                CASE WHEN st NOT IN ('fundraising', 'expired', 'funded') THEN $2::timestamptz - make_interval(days => days_ago) END, $2::timestamptz
           FROM (SELECT i, 2500 * (4 + i % 37) AS amount,
                        CASE WHEN i % 100 < 70 THEN 'paying_back' WHEN i % 100 < 80 THEN 'repaid' WHEN i % 100 < 85 THEN 'defaulted'
                             WHEN i % 100 < 88 THEN 'written_off' WHEN i % 100 < 93 THEN 'funded' WHEN i % 100 < 97 THEN 'fundraising'
                             ELSE 'expired' END AS st,
                        -- Repaid loans were disbursed over a year ago, the rest within the last year.
                        CASE WHEN i % 100 BETWEEN 70 AND 79 THEN 380 + i % 300 ELSE 5 + i % 360 END AS days_ago
                   FROM generate_series(1, $3::int) AS i) AS x`,
        prefix,
        now,
        n,
      );
      // Row-by-row foreign-key checks are most of the cost of loading these rows (PGlite runs them in WASM); the
      // rows are consistent by construction, so a superuser (as in tests and benches) skips them for this transaction.
      const [role] = (await tx.$queryRawUnsafe(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`)) as { rolsuper: boolean }[];
      if (role?.rolsuper) await run(`SET LOCAL session_replication_role = replica`);
      await run(
        `INSERT INTO checkouts (id, user_id, request_key, input_hash, status, total_cents, items, completed_at)
         VALUES ($1 || '-checkout', $2, $1 || '-checkout', 'scale', 'completed', 2500 * $3::bigint, '[]'::jsonb, $4::timestamptz)`,
        prefix,
        input.lenderId,
        n,
        now,
      );
      await run(
        `INSERT INTO loan_shares (loan_id, lender_id, checkout_id, shares, amount, hold_id, status, created_at, refunded_at)
         SELECT l.id, $2, $1 || '-checkout', 1, 2500, -(row_number() OVER (ORDER BY l.id)) - coalesce((SELECT max(abs(hold_id)) FROM loan_shares), 0),
                CASE l.status WHEN 'fundraising' THEN 'held' WHEN 'expired' THEN 'refunded' ELSE 'funded' END,
                l.listed_at + interval '1 day', CASE WHEN l.status = 'expired' THEN l.fundraising_deadline END
           FROM loans l WHERE l.id LIKE $1 || '-loan-%'`,
        prefix,
        input.lenderId,
      );
      await run(
        `INSERT INTO loan_schedules (loan_id, version, paid_before_local, starts_on, reason)
         SELECT id, 1, 0, disbursed_at::date, 'Schedule at disbursement' FROM loans WHERE id LIKE $1 || '-loan-%' AND disbursed_at IS NOT NULL`,
        prefix,
      );
      // Twelve equal principal parts (the last takes the remainder) and flat interest of 2% of the amount a month.
      await run(
        `INSERT INTO loan_instalments (loan_id, version, number, due_on, principal, interest)
         SELECT l.id, 1, k, (l.disbursed_at::date + make_interval(months => k))::date,
                CASE WHEN k = 12 THEN l.amount_local_minor - 11 * (l.amount_local_minor / 12) ELSE l.amount_local_minor / 12 END,
                l.amount_local_minor / 50
           FROM loans l CROSS JOIN generate_series(1, 12) AS k
          WHERE l.id LIKE $1 || '-loan-%' AND l.disbursed_at IS NOT NULL
          -- A loan's instalments side by side, as writing one schedule at a time leaves them.
          ORDER BY l.id, k`,
        prefix,
      );
      // Instalments paid: every one due so far, less one for every tenth loan paying back (in arrears), less three for defaulted
      // and written-off loans; repaid loans paid all twelve.
      await run(
        `CREATE TEMP TABLE scale_paid_count ON COMMIT DROP AS
         SELECT l.id AS loan_id, CASE
                  WHEN l.status = 'repaid' THEN 12
                  WHEN l.status = 'paying_back' THEN greatest(0, d.due - CASE WHEN substring(l.id from '[0-9]+$')::int % 10 = 0 THEN 1 ELSE 0 END)
                  ELSE greatest(0, d.due - 3) END AS paid
           FROM loans l
           JOIN (SELECT loan_id, count(*) FILTER (WHERE due_on < $2::date) AS due FROM loan_instalments
                  WHERE loan_id LIKE $1 || '-loan-%' GROUP BY loan_id) AS d ON d.loan_id = l.id`,
        prefix,
        now.slice(0, 10),
      );
      await run(
        `CREATE TEMP TABLE scale_paid ON COMMIT DROP AS
         SELECT i.loan_id, i.number, i.due_on, i.principal, i.interest, l.partner_id, l.local_currency, l.amount_local_minor,
                l.amount_usd_cents, l.fx_rate, (substring(l.id from '[0-9]+$')::int % 4 = 0) AS weaker
           FROM scale_paid_count c JOIN loans l ON l.id = c.loan_id
           JOIN loan_instalments i ON i.loan_id = c.loan_id AND i.version = 1 AND i.number <= c.paid`,
      );
      await run(
        `INSERT INTO repayments (id, loan_id, partner_id, request_key, paid_on, local_currency, local_amount, fx_rate, principal_local,
                                 interest_local, expected_usd_cents, usd_cents, fx_loss_cents, status, distributed_at)
         SELECT p.loan_id || ':' || p.number, p.loan_id, p.partner_id, 'scale:' || p.loan_id || ':' || p.number, p.due_on, p.local_currency,
                p.principal + p.interest, CASE WHEN p.weaker THEN p.fx_rate * 1.05 ELSE p.fx_rate END, p.principal, p.interest,
                e.owed, CASE WHEN p.weaker THEN floor(e.owed / 1.05) ELSE e.owed END,
                CASE WHEN p.weaker THEN e.owed - floor(e.owed / 1.05) ELSE 0 END, 'distributed', p.due_on
           FROM scale_paid p
          CROSS JOIN LATERAL (SELECT (p.amount_usd_cents * p.principal / p.amount_local_minor)::bigint AS owed) AS e`,
      );
      // The lender's part: one share of amount / $25.
      await run(
        `INSERT INTO repayment_allocations (repayment_id, lender_id, loan_id, shares, expected_usd_cents, usd_cents, fx_loss_cents, paid_on)
         SELECT r.id, $1, r.loan_id, 1, x.expected, x.usd, x.expected - x.usd, r.paid_on
           FROM scale_paid p JOIN repayments r ON r.id = p.loan_id || ':' || p.number
          CROSS JOIN LATERAL (SELECT r.expected_usd_cents * 2500 / p.amount_usd_cents AS expected,
                                     r.usd_cents * 2500 / p.amount_usd_cents AS usd) AS x`,
        input.lenderId,
      );
      await run(
        `UPDATE loans l SET schedule_version = 1, repaid_local_minor = coalesce(p.local, 0), principal_repaid_local = coalesce(p.principal, 0),
                first_unpaid_due_on = (SELECT i.due_on FROM loan_instalments i WHERE i.loan_id = l.id AND i.version = 1 AND i.number = c.paid + 1),
                maturity_on = (SELECT i.due_on FROM loan_instalments i WHERE i.loan_id = l.id AND i.version = 1 AND i.number = 12),
                repaid_at = CASE WHEN l.status = 'repaid' THEN $1::timestamptz END
           FROM scale_paid_count c
           LEFT JOIN (SELECT loan_id, sum(principal + interest) AS local, sum(principal) AS principal FROM scale_paid GROUP BY loan_id) AS p
             ON p.loan_id = c.loan_id
          WHERE l.id = c.loan_id`,
        now,
      );
    },
    { timeout: 600_000, maxWait: 60_000 },
  );
  await db.$executeRawUnsafe(`ANALYZE`);
  return { lenderId: input.lenderId, loans: n, prefix };
}
