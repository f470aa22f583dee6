// The walsafe npm package as a user installs it (npm install of the packed
// tarballs into a scratch project), with one driver:
//   WALSAFE_TEST_DRIVER=better-sqlite3 node --test walsafe.test.cjs   (node 20)
//   WALSAFE_TEST_DRIVER=node:sqlite    node --test walsafe.test.cjs   (node 22)
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const walsafe = require('walsafe');
const { driver, sideFilesOnDisk, makeWalDatabase, readOnlyLastCloser } = require('./drivers.cjs');

const d = driver(process.env.WALSAFE_TEST_DRIVER);
const filesOnDisk = (p) => ['', ...sideFilesOnDisk(p)].filter((s) => fs.existsSync(p + s));

function withFreshDir(fn) {
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walsafe-npm-'));
    try {
      fn(dir);
      assert.deepEqual(fs.readdirSync(dir), [], 'the test must leave its directory empty');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

// A connection with the SQL functions and no file: any opened after load().
function sqlConn() {
  return d.open(':memory:');
}

// The control needs a fresh process (a driver's SQLite keeps walsafe once
// loaded): run it first, before this process loads walsafe.
test(`${d.name}: without walsafe the read-only last closer leaves -wal and -shm (control, another process)`, withFreshDir((dir) => {
  const dbPath = path.join(dir, 'plain.db');
  const report = JSON.parse(execFileSync(process.execPath, [path.join(__dirname, 'drivers.cjs'), d.name, 'read-only-last-closer', dbPath]));
  assert.equal(report.walsafeStatus, null);
  assert.equal(report.rows, 2);
  assert.deepEqual(report.leftOnDisk, ['-wal', '-shm']);
  for (const s of ['', '-wal', '-shm']) fs.rmSync(dbPath + s, { force: true });
}));

test(`${d.name}: load() on a file connection opened before walsafe throws WALSAFE_NOT_PROTECTED naming the file`, withFreshDir((dir) => {
  const dbPath = path.join(dir, 'early.db');
  const early = d.open(dbPath, { allowExtension: true });
  early.exec('CREATE TABLE t(x)');
  assert.throws(() => walsafe.load(early), (error) => {
    assert.ok(error instanceof Error);
    assert.equal(error.code, 'WALSAFE_NOT_PROTECTED');
    assert.equal(error.files.length, 1);
    assert.equal(path.basename(error.files[0]), 'early.db');
    assert.match(error.message, /stays on the native VFS for .*early\.db: close it and open it again/);
    return true;
  });
  assert.equal(walsafe.status(early), null, 'the early connection is honestly reported as not on walsafe');
  early.close();
  // ...but walsafe is loaded for what is opened from now on.
  const again = d.open(dbPath);
  assert.match(walsafe.status(again), /^vfs=walsafe\/unix\n/);
  again.close();
  assert.equal(walsafe.deleteDatabase(sqlConn(), dbPath), true);
}));

test(`${d.name}: load() on a :memory: connection returns the platform package's binary; later connections are on walsafe`, withFreshDir((dir) => {
  const loader = d.open(':memory:', { allowExtension: true });
  const file = walsafe.load(loader);
  assert.equal(file, walsafe.getLoadablePath());
  assert.ok(file.endsWith(path.join('node_modules', 'walsafe-linux-x64', 'libwalsafe.so')), file);
  assert.equal(walsafe.load(loader), file, 'load() again is a no-op');
  loader.close();
  const dbPath = path.join(dir, 'app.db');
  const db = d.open(dbPath);
  db.exec('CREATE TABLE t(x)');
  assert.match(walsafe.status(db), new RegExp(`^vfs=walsafe/unix\ndatabase=${fs.realpathSync(dbPath)}\nhandles=1 main=1 `));
  assert.match(d.one(db, 'PRAGMA walsafe_status'), /^vfs=walsafe\/unix\n/, 'PRAGMA walsafe_status, plain SQL');
  const conn = sqlConn();
  assert.equal(walsafe.handleCount(conn, dbPath), 1);
  assert.equal(walsafe.openDatabases(conn).length, 1);
  db.close();
  assert.equal(walsafe.handleCount(conn, dbPath), 0);
  assert.equal(walsafe.deleteDatabase(conn, dbPath), true);
  assert.equal(walsafe.deleteDatabase(conn, dbPath), false, 'already gone: false with missingOk');
  conn.close();
}));

test(`${d.name}: with walsafe the read-only last closer leaves no -wal or -shm`, withFreshDir((dir) => {
  const dbPath = path.join(dir, 'app.db');
  const report = readOnlyLastCloser(d, dbPath);
  assert.match(report.walsafeStatus, /^vfs=walsafe\/unix\n/);
  assert.equal(report.rows, 2);
  assert.deepEqual(report.leftOnDisk, []);
  assert.equal(walsafe.deleteDatabase(sqlConn(), dbPath), true);
}));

test(`${d.name}: walsafe_delete_database while a connection is open throws an Error with the report and deletes nothing`, withFreshDir((dir) => {
  const dbPath = path.join(dir, 'app.db');
  makeWalDatabase(d, dbPath);
  const stillOpen = d.open(dbPath);
  d.one(stillOpen, 'SELECT count(*) FROM t');
  const conn = sqlConn();
  const expectReport = (error) => {
    assert.ok(error instanceof Error);
    assert.match(error.message, /^walsafe_delete_database: nothing deleted: /);
    assert.ok(error.message.includes(`${fs.realpathSync(dbPath)}: 2 handle(s) open in this process`), error.message);
    return true;
  };
  assert.throws(() => walsafe.deleteDatabase(conn, dbPath, { timeoutMs: 100 }), expectReport);
  assert.throws(() => d.one(conn, 'SELECT walsafe_delete_database(?, 100)', dbPath), expectReport, 'plain SQL too');
  assert.deepEqual(filesOnDisk(dbPath), ['', '-wal', '-shm']);
  stillOpen.close();
  assert.equal(walsafe.deleteDatabase(conn, dbPath), true);
  assert.deepEqual(filesOnDisk(dbPath), []);
  conn.close();
}));

if (d.name === 'node:sqlite') {
  test('node:sqlite: load() on a DatabaseSync opened without allowExtension says to open it with the option', () => {
    // A real one already has walsafe's functions here (loaded above), so
    // load() would not call loadExtension: a stand-in throwing what Node
    // 22's DatabaseSync throws (checked by hand: ERR_INVALID_STATE).
    const fake = { prepare: () => { throw new Error('no such function: walsafe_config'); },
      loadExtension: () => { const e = new Error('Cannot load SQLite extensions because extension loading is disabled.'); e.code = 'ERR_INVALID_STATE'; throw e; } };
    assert.throws(() => walsafe.load(fake), (error) => {
      assert.equal(error.code, 'WALSAFE_CANNOT_LOAD');
      assert.match(error.message, /allowExtension: true/);
      return true;
    });
  });
}
