-- Hand-written: every server keeps rendered public pages (/, /loans,
-- /loans/:id, /partners/:slug) for anonymous visitors and LISTENs on the
-- channel `mavuno_public_pages` to drop them (app/utils/page-cache.server.ts,
-- docs/decisions/016-public-page-cache.md). Any write to a table those pages
-- read notifies it. PostgreSQL delivers a notification only when its
-- transaction commits, and once per transaction however many statements sent
-- it, so a rolled-back write drops nothing and a checkout drops the pages once.
--
-- A table whose rows start to appear on a public page needs the same trigger,
-- in a new migration:
--   CREATE TRIGGER "<table>_public_pages" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "<table>"
--     FOR EACH STATEMENT EXECUTE FUNCTION "public_pages_changed"();
-- Statement-level: one call per statement, whatever the number of rows.
CREATE FUNCTION "public_pages_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('mavuno_public_pages', '');
  RETURN NULL;
END;
$$;

-- One trigger per table, named "<table>_public_pages".
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'loans', 'loan_shares', 'loan_events', 'basket_items', 'partners', 'clients', 'consents', 'groups', 'group_members',
    -- A partner's repayment track record (loan and partner pages).
    'loan_schedules', 'loan_instalments', 'repayments'
  ] LOOP
    EXECUTE format(
      'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION "public_pages_changed"()',
      t || '_public_pages', t);
  END LOOP;
END;
$$;
