-- The read-only last closer, in one sqlite3 shell process: connection 0
-- writes, connection 1 reads read-only; 0 closes first (not the last, so no
-- checkpoint), then 1 (the last, and read-only: it cannot checkpoint). On the
-- plain VFS app.db-wal and app.db-shm stay; on walsafe nothing does.
-- Run in an empty directory: sqlite3 -bail < read_only_last_closer.sql
.open app.db
PRAGMA journal_mode=WAL;
CREATE TABLE t(x);
INSERT INTO t VALUES (randomblob(5000));
.connection 1
.open --readonly app.db
SELECT count(*) FROM t;
.connection 0
INSERT INTO t VALUES (randomblob(5000));
.open :memory:
.connection 1
.open :memory:
