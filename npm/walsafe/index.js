// walsafe for Node: the walsafe SQLite VFS as a loadable extension, for
// better-sqlite3 and for Node's built-in node:sqlite (DatabaseSync).
//
// The binary comes from an optional platform package named in Node's own
// words, walsafe-<process.platform>-<process.arch> (walsafe-linux-x64,
// walsafe-win32-x64). No install script: nothing is compiled or downloaded.
'use strict';

const BINARY = { linux: 'libwalsafe.so', win32: 'walsafe.dll' };
const PUBLISHED = ['walsafe-linux-x64', 'walsafe-win32-x64'];

function walsafeError(message, code, extra) {
  const error = new Error(message);
  error.code = code;
  return Object.assign(error, extra);
}

/** Name of the platform package this process needs. */
function platformPackage() {
  return `walsafe-${process.platform}-${process.arch}`;
}

/** Absolute path of libwalsafe.so / walsafe.dll for this platform. */
function getLoadablePath() {
  const pkg = platformPackage();
  const file = BINARY[process.platform];
  if (!file || !PUBLISHED.includes(pkg)) {
    throw walsafeError(
      `walsafe: no binary for ${process.platform}-${process.arch}: there is no package ${pkg} ` +
        `(published: ${PUBLISHED.join(', ')}). Build libwalsafe from source and pass its path to db.loadExtension().`,
      'WALSAFE_UNSUPPORTED_PLATFORM',
    );
  }
  try {
    return require.resolve(`${pkg}/${file}`);
  } catch (cause) {
    if (cause && cause.code !== 'MODULE_NOT_FOUND') throw cause;
    throw walsafeError(
      `walsafe: the platform package ${pkg} is not installed, so there is no ${file} to load. ` +
        `Install it: npm install ${pkg} (npm leaves optional dependencies out with --omit=optional, ` +
        `and when node_modules or the lockfile was made on another platform).`,
      'WALSAFE_PLATFORM_PACKAGE_MISSING',
      { packageName: pkg, cause },
    );
  }
}

// Rows of a query as arrays, for both drivers. better-sqlite3's statements
// have a boolean `reader` (false for a statement that returns nothing, such
// as an unknown pragma, where .all() would throw); node:sqlite's
// StatementSync returns objects and [] for such a statement.
function rows(db, sql, ...params) {
  const statement = db.prepare(sql);
  if (typeof statement.reader === 'boolean') {
    if (!statement.reader) {
      statement.run(...params);
      return [];
    }
    return statement.raw(true).all(...params);
  }
  return statement.all(...params).map((row) => Object.values(row));
}

// Both drivers bind a JS number as a REAL, and walsafe's functions want
// integers (a REAL timeout_ms is SQLITE_MISUSE): bind BigInts.
function integer(what, n) {
  if (!Number.isSafeInteger(n)) throw new TypeError(`walsafe: ${what} must be an integer, not ${n}`);
  return BigInt(n);
}

function value(db, sql, ...params) {
  const [row] = rows(db, sql, ...params);
  return row === undefined ? undefined : row[0];
}

function hasFunctions(db) {
  try {
    value(db, "SELECT walsafe_config('retry_ms')");
    return true;
  } catch {
    return false;
  }
}

/** PRAGMA walsafe_status of one schema of db, or null when that database is
 *  not on walsafe (opened before walsafe was loaded, or :memory:). */
function status(db, schema = 'main') {
  const text = value(db, `PRAGMA "${String(schema).replace(/"/g, '""')}".walsafe_status`);
  return typeof text === 'string' ? text : null;
}

// Database files db has open (main or attached) that are not on walsafe.
function unprotectedFiles(db) {
  const unprotected = [];
  for (const [, schema, file] of rows(db, 'PRAGMA database_list')) {
    if (file && status(db, schema) === null) unprotected.push(file);
  }
  return unprotected;
}

function checkDriver(db, what) {
  if (!db || typeof db.prepare !== 'function') {
    throw new TypeError(`walsafe.${what}: expected a better-sqlite3 Database or a node:sqlite DatabaseSync`);
  }
}

/**
 * Loads walsafe through db: from then on walsafe is the default VFS of that
 * driver's SQLite for every connection opened afterwards (better-sqlite3 and
 * node:sqlite each carry their own SQLite, load it into each you use), and
 * those connections, and db, get the SQL functions. Load once, from a
 * ':memory:' connection, before opening files.
 *
 * An open connection cannot change its VFS: if db has a database file open
 * that is not on walsafe, walsafe is still loaded for later connections but
 * an Error with code 'WALSAFE_NOT_PROTECTED' (and .files) is thrown, so the
 * connection is never left unprotected silently: close it and open it again.
 * Calling it again on a connection that has the functions loads nothing.
 * Returns the path of the binary.
 */
function load(db) {
  checkDriver(db, 'load(db)');
  const file = getLoadablePath();
  if (!hasFunctions(db)) {
    if (typeof db.loadExtension !== 'function') {
      throw walsafeError(
        'walsafe.load(db): this connection has no loadExtension(): better-sqlite3 >= 7, or node:sqlite on Node >= 22.13',
        'WALSAFE_CANNOT_LOAD',
      );
    }
    try {
      db.loadExtension(file);
    } catch (cause) {
      if (cause && cause.code === 'ERR_INVALID_STATE') {
        throw walsafeError(
          `walsafe.load(db): this node:sqlite connection may not load extensions (${cause.message}): ` +
            "open it with new DatabaseSync(':memory:', { allowExtension: true })",
          'WALSAFE_CANNOT_LOAD',
          { cause },
        );
      }
      throw cause;
    }
  }
  const files = unprotectedFiles(db);
  if (files.length) {
    throw walsafeError(
      'walsafe.load(db): walsafe is loaded for connections opened from now on, but this connection ' +
        `was opened before and stays on the native VFS for ${files.join(', ')}: close it and open it ` +
        "again to protect it (or load walsafe on a ':memory:' connection before opening files).",
      'WALSAFE_NOT_PROTECTED',
      { files },
    );
  }
  return file;
}

/**
 * walsafe_delete_database(path, timeoutMs) through db (a connection with the
 * SQL functions: opened after load(), or the one load() was given). Returns
 * true when it deleted the database (and its side files), false when there
 * was nothing to delete and missingOk (default true). Otherwise throws the
 * driver's Error, whose message is walsafe's report (what is still open).
 */
function deleteDatabase(db, path, { timeoutMs = 2000, missingOk = true } = {}) {
  checkDriver(db, 'deleteDatabase(db, path)');
  try {
    return value(db, 'SELECT walsafe_delete_database(?, ?)', String(path), integer('timeoutMs', timeoutMs)) == 1;
  } catch (error) {
    const notFound = error && (error.code === 'SQLITE_NOTFOUND' || error.errcode === 12);
    if (notFound && missingOk) return false;
    throw error;
  }
}

/** Handles this process has open on the database at path (0: none). */
function handleCount(db, path) {
  checkDriver(db, 'handleCount(db, path)');
  return Number(value(db, 'SELECT walsafe_handle_count(?)', String(path)));
}

/** Every database with handles open in this process (path, counts, ages). */
function openDatabases(db) {
  checkDriver(db, 'openDatabases(db)');
  return JSON.parse(value(db, 'SELECT walsafe_open_databases()'));
}

/** walsafe_config(name [, value]): process-wide 'retry_ms' / 'cleanup'. */
function config(db, name, newValue) {
  checkDriver(db, 'config(db, name)');
  return newValue === undefined
    ? value(db, 'SELECT walsafe_config(?)', name)
    : value(db, 'SELECT walsafe_config(?, ?)', name, typeof newValue === 'number' ? integer(name, newValue) : newValue);
}

module.exports = {
  getLoadablePath,
  platformPackage,
  load,
  status,
  deleteDatabase,
  handleCount,
  openDatabases,
  config,
};
