-- Hand-written: social_rollups.filter holds machine keys ('', 'sector:Retail',
-- 'gender:female;sector:Retail'), compared byte by byte from now on. Under the
-- "C" collation a key prefix is a range of the primary key's order, so a node's
-- loans-by-sector rows (filter LIKE 'sector:%') are read from the index alone,
-- instead of every filter's row at the node and dropping the others
-- (docs/decisions/026-cached-view-statement.md). Equality, and the keys the
-- rebuild writes, are unchanged; the primary key is rebuilt with the column.
ALTER TABLE "social_rollups" ALTER COLUMN "filter" TYPE TEXT COLLATE "C";
