// Types for walsafe (Node). A "Connection" is a better-sqlite3 Database or a
// node:sqlite DatabaseSync (opened with { allowExtension: true } for load()).
export interface Connection {
  prepare(sql: string): unknown;
  loadExtension?(path: string, entryPoint?: string): unknown;
}

/** Error codes walsafe's own Errors carry in `.code`. Errors from the SQL
 *  functions are the driver's Errors (message: walsafe's report). */
export type WalsafeErrorCode =
  | 'WALSAFE_PLATFORM_PACKAGE_MISSING'
  | 'WALSAFE_UNSUPPORTED_PLATFORM'
  | 'WALSAFE_CANNOT_LOAD'
  | 'WALSAFE_NOT_PROTECTED';

export interface WalsafeError extends Error {
  code: WalsafeErrorCode;
  /** WALSAFE_PLATFORM_PACKAGE_MISSING: the package to install. */
  packageName?: string;
  /** WALSAFE_NOT_PROTECTED: the files the connection keeps on the native VFS. */
  files?: string[];
}

/** "walsafe-<process.platform>-<process.arch>". */
export function platformPackage(): string;

/** Absolute path of libwalsafe.so / walsafe.dll from the platform package.
 *  Throws a WalsafeError naming the package when it is not installed. */
export function getLoadablePath(): string;

/** Loads walsafe through db: walsafe becomes the default VFS of that
 *  driver's SQLite for connections opened afterwards. Throws
 *  WALSAFE_NOT_PROTECTED when db itself has a file open on the native VFS
 *  (walsafe is loaded all the same). Returns the binary's path. */
export function load(db: Connection): string;

/** PRAGMA walsafe_status of a schema ("main"), or null if not on walsafe. */
export function status(db: Connection, schema?: string): string | null;

/** walsafe_delete_database: true if deleted, false if nothing existed and
 *  missingOk (default true); throws the driver's Error with walsafe's report
 *  (e.g. "nothing deleted: ...: 2 handle(s) open in this process"). */
export function deleteDatabase(
  db: Connection,
  path: string,
  options?: { timeoutMs?: number; missingOk?: boolean },
): boolean;

/** walsafe_handle_count: handles this process has open on path. */
export function handleCount(db: Connection, path: string): number;

export interface OpenDatabase {
  [key: string]: unknown;
}
/** walsafe_open_databases(), parsed. */
export function openDatabases(db: Connection): OpenDatabase[];

/** walsafe_config(name [, value]): returns the value in force before. */
export function config(db: Connection, name: 'retry_ms', value?: number): number;
export function config(db: Connection, name: 'cleanup', value?: 'auto' | 'force' | 'off'): string;
