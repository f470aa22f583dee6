// Plain better-sqlite3 scenarios with no knowledge of walsafe. The tests run
// them after loading the walsafe extension, and as a script in a process
// that never loads it (to show the problem is real):
//   node scenarios.cjs read-only-last-closer /tmp/x/app.db
//   {"walsafeStatus": "vfs=walsafe/unix ..." or null, "rows": 2, "leftOnDisk": ["-wal", "-shm"]}
'use strict';
const fs = require('node:fs');
const { createRequire } = require('node:module');

function loadBetterSqlite3() {
  // WALSAFE_NODE_MODULES: where run_node_tests.sh installed better-sqlite3.
  const from = process.env.WALSAFE_NODE_MODULES;
  return (from ? createRequire(`${from}/`) : require)('better-sqlite3');
}

function sideFilesOnDisk(dbPath) {
  return ['-wal', '-shm', '-journal'].filter((suffix) => fs.existsSync(dbPath + suffix));
}

// PRAGMA walsafe_status, or null where walsafe is not the VFS (SQLite
// compiles an unknown pragma to a statement that returns nothing).
function walsafeStatus(db) {
  const statement = db.prepare('PRAGMA walsafe_status');
  return statement.reader ? statement.pluck().get() : null;
}

function makeWalDatabase(Database, dbPath) {
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(5000))');
  db.close();
}

// A writer commits while a reader is open, then closes first: the last
// connection to close is read-only and cannot checkpoint.
function readOnlyLastCloser(Database, dbPath) {
  makeWalDatabase(Database, dbPath);
  const writer = new Database(dbPath);
  const reader = new Database(dbPath, { readonly: true });
  reader.prepare('SELECT count(*) FROM t').get();
  writer.exec('INSERT INTO t VALUES (randomblob(5000))');
  const report = { walsafeStatus: walsafeStatus(writer) };
  writer.close(); // not the last: no checkpoint
  reader.close(); // the last, and read-only
  const check = new Database(dbPath, { readonly: true });
  report.rows = check.prepare('SELECT count(*) FROM t').pluck().get();
  check.close();
  report.leftOnDisk = sideFilesOnDisk(dbPath);
  return report;
}

module.exports = { loadBetterSqlite3, sideFilesOnDisk, walsafeStatus, makeWalDatabase, readOnlyLastCloser };

if (require.main === module) {
  const [scenario, dbPath] = process.argv.slice(2);
  if (scenario !== 'read-only-last-closer' || !dbPath) {
    console.error('usage: node scenarios.cjs read-only-last-closer DB_PATH');
    process.exit(2);
  }
  console.log(JSON.stringify(readOnlyLastCloser(loadBetterSqlite3(), dbPath)));
}
