-- Hand-written: /impact joins the page cache (docs/decisions/016-public-page-cache.md).
-- Of the tables it reads, only the scorecards did not yet tell the cache.
CREATE TRIGGER "ppi_scorecards_public_pages" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "ppi_scorecards"
  FOR EACH STATEMENT EXECUTE FUNCTION "public_pages_changed"();
