// The two Node SQLite drivers behind one small interface, and the plain
// scenarios the tests run with walsafe loaded and, as a control, in a
// process that never loads it:
//   node drivers.cjs DRIVER read-only-last-closer DB_PATH   (prints JSON)
// DRIVER: better-sqlite3 | node:sqlite. Runs from the scratch project the
// npm tests install the walsafe tarballs into.
'use strict';
const fs = require('node:fs');

function driver(name) {
  if (name === 'better-sqlite3') {
    const Database = require('better-sqlite3');
    return {
      name,
      open: (file, { readOnly = false } = {}) => new Database(file, { readonly: readOnly }),
      one(db, sql, ...args) {
        const statement = db.prepare(sql);
        return statement.reader ? statement.pluck().get(...args) : undefined;
      },
    };
  }
  if (name === 'node:sqlite') {
    const { DatabaseSync } = require('node:sqlite');
    return {
      name,
      open: (file, { readOnly = false, allowExtension = false } = {}) =>
        new DatabaseSync(file, { readOnly, allowExtension }),
      one(db, sql, ...args) {
        const row = db.prepare(sql).get(...args);
        return row === undefined ? undefined : Object.values(row)[0];
      },
    };
  }
  throw new Error(`unknown driver ${name}`);
}

const sideFilesOnDisk = (dbPath) => ['-wal', '-shm', '-journal'].filter((s) => fs.existsSync(dbPath + s));

function makeWalDatabase(d, dbPath) {
  const db = d.open(dbPath);
  d.one(db, 'PRAGMA journal_mode = WAL');
  db.exec('CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(5000))');
  db.close();
}

// A writer commits while a reader is open, then closes first: the last
// connection to close is read-only and cannot checkpoint.
function readOnlyLastCloser(d, dbPath) {
  makeWalDatabase(d, dbPath);
  const writer = d.open(dbPath);
  const reader = d.open(dbPath, { readOnly: true });
  d.one(reader, 'SELECT count(*) FROM t');
  writer.exec('INSERT INTO t VALUES (randomblob(5000))');
  const report = { walsafeStatus: d.one(writer, 'PRAGMA walsafe_status') ?? null };
  writer.close();
  reader.close();
  report.leftOnDisk = sideFilesOnDisk(dbPath);
  const check = d.open(dbPath, { readOnly: true });
  report.rows = Number(d.one(check, 'SELECT count(*) FROM t'));
  check.close();
  return report;
}

module.exports = { driver, sideFilesOnDisk, makeWalDatabase, readOnlyLastCloser };

if (require.main === module) {
  const [name, scenario, dbPath] = process.argv.slice(2);
  if (scenario !== 'read-only-last-closer' || !dbPath) {
    console.error('usage: node drivers.cjs DRIVER read-only-last-closer DB_PATH');
    process.exit(2);
  }
  console.log(JSON.stringify(readOnlyLastCloser(driver(name), dbPath)));
}
