// The official Windows node.exe 22 (its node:sqlite over the win32 VFS),
// run under Wine by scripts/run-node-wine-tests.sh from a project whose
// node_modules holds walsafe and walsafe-win32-x64 as npm installs them on
// Windows:
//   node.exe node_sqlite_wine.cjs Z:\...\hold_file.exe  >out.txt 2>err.txt
// (stdout must be a file: under Wine a pipe gives EBADF.)
// One process, in this order: the plain win32 VFS controls, then
// walsafe.load(), then the same scenarios with walsafe. Prints TAP-like
// "ok N - name" / "not ok N - name" lines, then "# pass N" and "# fail N".
// No step assumes how long a sleep takes: every wait is for a flag or a
// counter, with a generous bound (BOUND_MS) only against hanging forever.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');

const BOUND_MS = 120000;
const HOLD_MS = 2500; // the scanner holds the -wal at least this long, on its own clock
const ROWS = 40; // 40 rows of 4000 bytes: one or more WAL frames each

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const pause = (ms) => Atomics.wait(sleeper, 0, 0, ms);
const one = (db, sql, ...a) => {
  const row = db.prepare(sql).get(...a);
  return row === undefined ? undefined : Object.values(row)[0];
};
const sideFiles = (p) => ['-wal', '-shm', '-journal'].filter((s) => fs.existsSync(p + s));

// Fills a WAL database and returns the open connection, its -wal unfolded
// (no autocheckpoint), so its close must checkpoint and delete the -wal.
function walWithFrames(dbPath) {
  const db = new DatabaseSync(dbPath);
  one(db, 'PRAGMA journal_mode = WAL');
  one(db, 'PRAGMA wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t(x)');
  const insert = db.prepare('INSERT INTO t VALUES (randomblob(4000))');
  for (let i = 0; i < ROWS; i++) insert.run();
  return db;
}

function readOnlyLastCloser(dbPath) {
  const init = walWithFrames(dbPath);
  init.close();
  const writer = new DatabaseSync(dbPath);
  const reader = new DatabaseSync(dbPath, { readOnly: true });
  one(reader, 'SELECT count(*) FROM t');
  writer.exec('INSERT INTO t VALUES (1)');
  const status = one(writer, 'PRAGMA walsafe_status') ?? null;
  writer.close();
  reader.close();
  return { status, left: sideFiles(dbPath) };
}

function waitFor(what, predicate) {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > BOUND_MS) throw new Error(`gave up waiting for ${what} after ${BOUND_MS} ms`);
    pause(20);
  }
}
const flagIs = (flag, text) => {
  try {
    return fs.readFileSync(flag, 'utf8') === text;
  } catch {
    return false;
  }
};

// A second process (the "scanner") holds file: share READ|WRITE, no DELETE.
// The first process node.exe starts in a fresh Wine prefix can fail with
// "spawn UNKNOWN" (Wine, not the code under test: the same spawn works once
// the prefix has started one), so a spawn that throws is tried again, a few
// times, and each failure is printed.
function spawnHelper(helper, args) {
  for (let attempt = 1; ; attempt++) {
    try {
      return spawn(helper, args, { stdio: 'ignore', windowsHide: true });
    } catch (e) {
      if (attempt >= 10) throw e;
      console.log(`# spawn of ${helper} failed (${e.message}), attempt ${attempt}: trying again`);
      pause(200);
    }
  }
}

function startScanner(helper, file, flag) {
  const child = spawnHelper(helper, [file, flag, String(HOLD_MS)]);
  waitFor(`the scanner to hold ${file}`, () => {
    if (fs.existsSync(flag) && !flagIs(flag, 'held')) throw new Error(`scanner: ${fs.readFileSync(flag, 'utf8')}`);
    return flagIs(flag, 'held');
  });
  return {
    child,
    release() {
      fs.writeFileSync(`${flag}.release`, '');
      waitFor('the scanner to let go', () => flagIs(flag, 'released'));
    },
  };
}

// ---- worker: owns one connection and closes it when told (the close may
// block in walsafe's retry while the scanner holds the -wal).
if (!isMainThread) {
  const state = new Int32Array(workerData.shared); // 0 start, 1 ready, 2 close!, 3 closed, 9 error
  try {
    const db = walWithFrames(workerData.dbPath);
    parentPort.postMessage({ walSize: fs.statSync(`${workerData.dbPath}-wal`).size, status: one(db, 'PRAGMA walsafe_status') });
    Atomics.store(state, 0, 1);
    Atomics.notify(state, 0);
    while (Atomics.load(state, 0) !== 2) Atomics.wait(state, 0, 1, 1000);
    db.close();
    Atomics.store(state, 0, 3);
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.stack) });
    Atomics.store(state, 0, 9);
  }
  Atomics.notify(state, 0);
  return;
}

const helper = process.argv[2];
const results = [];
function check(name, fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walsafe-wine-'));
  try {
    fn(dir);
    results.push([true, name]);
  } catch (error) {
    results.push([false, name, error && error.stack]);
  } finally {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
}

// ---------------- plain win32 VFS (walsafe not loaded yet) ----------------
check('plain win32 VFS: the read-only last closer leaves -wal and -shm (control)', (dir) => {
  const r = readOnlyLastCloser(path.join(dir, 'plain.db'));
  assert.equal(r.status, null);
  assert.deepEqual(r.left, ['-wal', '-shm']);
});

check(`plain win32 VFS: a scanner holding the -wal at close leaves a -wal with all its frames (control)`, (dir) => {
  const dbPath = path.join(dir, 'plain.db');
  const db = walWithFrames(dbPath);
  const walSize = fs.statSync(`${dbPath}-wal`).size;
  assert.ok(walSize > 32 + ROWS * 4000, `-wal of ${walSize} bytes`);
  const scanner = startScanner(helper, `${dbPath}-wal`, path.join(dir, 'flag'));
  db.close();
  const whileHeld = fs.existsSync(`${dbPath}-wal`);
  scanner.release();
  assert.ok(whileHeld, 'the -wal is there while the scanner holds it');
  assert.deepEqual(sideFiles(dbPath), ['-wal'], 'after the hold: the -wal stays (SQLite tried once and gave up)');
  assert.equal(fs.statSync(`${dbPath}-wal`).size, walSize, 'with all its frames');
});

// ---------------- walsafe ----------------
const walsafe = require('walsafe');
let loadedFrom = null;
check('walsafe.load() through node:sqlite (allowExtension) loads walsafe.dll from node_modules\\walsafe-win32-x64', () => {
  const boot = new DatabaseSync(':memory:', { allowExtension: true });
  loadedFrom = walsafe.load(boot);
  boot.close();
  assert.ok(loadedFrom.endsWith(path.join('node_modules', 'walsafe-win32-x64', 'walsafe.dll')), loadedFrom);
  const conn = new DatabaseSync(':memory:');
  assert.equal(walsafe.config(conn, 'retry_ms', 60000), 3000, 'generous budget: the scanner test waits for a flag, not a clock');
  conn.close();
});

check('walsafe: PRAGMA walsafe_status says vfs=walsafe/win32 for a plain new DatabaseSync(path)', (dir) => {
  const db = new DatabaseSync(path.join(dir, 'app.db'));
  db.exec('CREATE TABLE t(x)');
  assert.match(one(db, 'PRAGMA walsafe_status'), /^vfs=walsafe\/win32\n/);
  db.close();
});

check('walsafe: the read-only last closer leaves nothing', (dir) => {
  const r = readOnlyLastCloser(path.join(dir, 'app.db'));
  assert.match(r.status, /^vfs=walsafe\/win32\n/);
  assert.deepEqual(r.left, []);
});

check(`walsafe: a scanner holding the -wal (share READ|WRITE, >= ${HOLD_MS} ms) at close: nothing left once the hold ends`, (dir) => {
  const dbPath = path.join(dir, 'app.db');
  const probe = new DatabaseSync(path.join(dir, 'probe.db')); // reads the process-wide counters
  probe.exec('CREATE TABLE p(x)');
  const counter = (name) => Number(new RegExp(`\\n${name}=(\\d+)\\n`).exec(one(probe, 'PRAGMA walsafe_status'))[1]);
  const shared = new SharedArrayBuffer(4);
  const state = new Int32Array(shared);
  const messages = [];
  const worker = new Worker(__filename, { workerData: { dbPath, shared } });
  worker.on('message', (m) => messages.push(m));
  waitFor('the worker to fill its database', () => Atomics.load(state, 0) !== 0);
  assert.equal(Atomics.load(state, 0), 1, 'worker failed');
  const scanner = startScanner(helper, `${dbPath}-wal`, path.join(dir, 'flag'));
  const retriesBefore = counter('retries');
  Atomics.store(state, 0, 2); // close now
  Atomics.notify(state, 0);
  // The close is waiting the scanner out: walsafe counts its retries.
  waitFor('walsafe to retry the held -wal', () => counter('retries') > retriesBefore || Atomics.load(state, 0) >= 3);
  const closedEarly = Atomics.load(state, 0) === 3;
  const heldDuringClose = fs.existsSync(`${dbPath}-wal`);
  scanner.release();
  waitFor('the worker to close', () => Atomics.load(state, 0) >= 3);
  assert.equal(Atomics.load(state, 0), 3, 'worker failed to close');
  assert.equal(closedEarly, false, 'close returned while the scanner still held the -wal');
  assert.ok(heldDuringClose);
  assert.deepEqual(sideFiles(dbPath), [], 'nothing left once the hold ended');
  assert.ok(counter('retry_successes') >= 1 || counter('cleanups_done') >= 1);
  probe.close();
  worker.terminate();
});

check('walsafe: walsafe_delete_database while a connection is open throws an Error with the report and deletes nothing', (dir) => {
  const dbPath = path.join(dir, 'app.db');
  const stillOpen = walWithFrames(dbPath);
  const conn = new DatabaseSync(':memory:');
  assert.throws(() => walsafe.deleteDatabase(conn, dbPath, { timeoutMs: 100 }), (error) => {
    assert.ok(error instanceof Error);
    assert.match(error.message, /^walsafe_delete_database: nothing deleted: /);
    assert.match(error.message, /app\.db: \d+ handle\(s\) open in this process/);
    return true;
  });
  assert.deepEqual(['', ...sideFiles(dbPath)].filter((s) => fs.existsSync(dbPath + s)), ['', '-wal', '-shm']);
  stillOpen.close();
  assert.equal(walsafe.deleteDatabase(conn, dbPath), true);
  assert.equal(fs.existsSync(dbPath), false);
  conn.close();
});

let n = 0;
for (const [ok, name, detail] of results) {
  n += 1;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${name}`);
  if (!ok) console.log(String(detail).split('\n').map((l) => `#   ${l}`).join('\n'));
}
console.log(`# walsafe loaded from ${loadedFrom}`);
console.log(`# pass ${results.filter((r) => r[0]).length}`);
console.log(`# fail ${results.filter((r) => !r[0]).length}`);
