// better-sqlite3 (its own bundled SQLite) on walsafe: db.loadExtension()
// once, then plain `new Database(path)` goes through walsafe.
//   WALSAFE_EXTENSION=.../libwalsafe.so WALSAFE_NODE_MODULES=.../node_modules \
//     node --test better_sqlite3.test.cjs
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const scenarios = require('./scenarios.cjs');

const Database = scenarios.loadBetterSqlite3();
const extension = process.env.WALSAFE_EXTENSION;
assert.ok(extension, 'WALSAFE_EXTENSION must name libwalsafe.so');

// Load once, from any connection: walsafe becomes the default VFS of this
// process's (better-sqlite3's) SQLite and stays loaded.
const loader = new Database(':memory:');
loader.loadExtension(extension);
loader.close();

function withFreshDir(fn) {
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walsafe-node-'));
    try {
      fn(dir);
      assert.deepEqual(fs.readdirSync(dir), [], 'the test must leave its directory empty');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

// SQL helpers on a fresh :memory: connection, which has the SQL functions
// (added to connections opened after the load) and no file handle.
function sql(query, ...args) {
  const db = new Database(':memory:');
  try {
    return db.prepare(query).pluck().get(...args);
  } finally {
    db.close();
  }
}
const handleCount = (dbPath) => sql('SELECT walsafe_handle_count(?)', dbPath);
const deleteDatabase = (dbPath) => sql('SELECT walsafe_delete_database(?)', dbPath);
const filesOnDisk = (dbPath) => ['', ...scenarios.sideFilesOnDisk(dbPath)].filter((s) => fs.existsSync(dbPath + s));

test('better-sqlite3 bundles its own SQLite, and plain new Database() goes through walsafe', withFreshDir((dir) => {
  const dbPath = path.join(dir, 'app.db');
  const db = new Database(dbPath);
  db.exec('CREATE TABLE t(x)');
  const status = scenarios.walsafeStatus(db);
  assert.match(status, new RegExp(`^vfs=walsafe/unix\ndatabase=${fs.realpathSync(dbPath)}\nhandles=1 main=1 `));
  assert.equal(handleCount(dbPath), 1);
  db.close();
  assert.equal(deleteDatabase(dbPath), 1);
}));

test('PRAGMA walsafe_status reads handles and counters', withFreshDir((dir) => {
  const dbPath = path.join(dir, 'app.db');
  scenarios.makeWalDatabase(Database, dbPath);
  const db = new Database(dbPath);
  db.prepare('SELECT count(*) FROM t').get();
  const status = scenarios.walsafeStatus(db);
  assert.match(status, /\nhandles=2 main=1 wal=1 journal=0 shm=1\n/);
  assert.match(status, /\npending_deletes=none\nretry_ms=3000\ncleanup=auto\n/);
  assert.match(status, /\ncleanups_done=\d+\n/);
  db.close();
  assert.equal(deleteDatabase(dbPath), 1);
}));

test('the read-only last closer leaves no -wal or -shm', withFreshDir((dir) => {
  const dbPath = path.join(dir, 'app.db');
  const report = scenarios.readOnlyLastCloser(Database, dbPath);
  assert.match(report.walsafeStatus, /^vfs=walsafe\/unix\n/);
  assert.equal(report.rows, 2);
  assert.deepEqual(report.leftOnDisk, []);
  assert.equal(deleteDatabase(dbPath), 1);
}));

test('without walsafe the same read-only last closer leaves -wal and -shm', withFreshDir((dir) => {
  const dbPath = path.join(dir, 'plain.db');
  const out = execFileSync(process.execPath, [path.join(__dirname, 'scenarios.cjs'), 'read-only-last-closer', dbPath]);
  const report = JSON.parse(out);
  assert.equal(report.walsafeStatus, null);
  assert.equal(report.rows, 2);
  assert.deepEqual(report.leftOnDisk, ['-wal', '-shm']);
  assert.equal(deleteDatabase(dbPath), 1); // and walsafe_delete_database clears them
}));

for (const firstToClose of ['writer', 'reader']) {
  test(`two connections closed ${firstToClose} first leave nothing`, withFreshDir((dir) => {
    const dbPath = path.join(dir, 'app.db');
    scenarios.makeWalDatabase(Database, dbPath);
    const writer = new Database(dbPath);
    const reader = new Database(dbPath);
    writer.exec('INSERT INTO t VALUES (2)');
    assert.equal(reader.prepare('SELECT count(*) FROM t').pluck().get(), 2);
    assert.equal(handleCount(dbPath), 4);
    const [first, second] = firstToClose === 'writer' ? [writer, reader] : [reader, writer];
    first.close();
    assert.deepEqual(filesOnDisk(dbPath), ['', '-wal', '-shm']);
    second.close();
    assert.equal(handleCount(dbPath), 0);
    assert.deepEqual(filesOnDisk(dbPath), ['']);
    assert.equal(deleteDatabase(dbPath), 1);
  }));
}

test('walsafe_delete_database with a connection open names the database and its handles', withFreshDir((dir) => {
  const dbPath = path.join(dir, 'app.db');
  scenarios.makeWalDatabase(Database, dbPath);
  const stillOpen = new Database(dbPath);
  stillOpen.prepare('SELECT count(*) FROM t').get();
  assert.throws(() => sql('SELECT walsafe_delete_database(?, 100)', dbPath), (error) => {
    assert.equal(error.code, 'SQLITE_BUSY');
    assert.match(error.message, /nothing deleted/);
    assert.ok(error.message.includes(`${fs.realpathSync(dbPath)}: 2 handle(s) open in this process`), error.message);
    return true;
  });
  assert.deepEqual(filesOnDisk(dbPath), ['', '-wal', '-shm']);
  stillOpen.close();
  assert.equal(deleteDatabase(dbPath), 1);
  assert.deepEqual(filesOnDisk(dbPath), []);
}));
