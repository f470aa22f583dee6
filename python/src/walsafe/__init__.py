"""walsafe: SQLite databases that close and delete reliably, from Python.

walsafe is a SQLite VFS (the layer SQLite opens, locks and deletes files
through). Loaded once into the process, it becomes the default VFS of the
``sqlite3`` module, and every connection opened afterwards:

- retries transient sharing errors (Windows ``WinError 32`` from a virus
  scanner or indexer, ``EBUSY`` on network mounts) within a time budget;
- leaves no ``-wal`` or ``-shm`` behind after the last connection to a
  database closes, even when that connection was read-only;
- is counted, so :func:`delete_database` can remove a database and its side
  files or say exactly which handles are still open, and so a test fixture
  can name the line that leaked a connection.

Usage::

    import sqlite3, walsafe

    walsafe.load()                       # once per process
    with walsafe.connect("app.db") as conn:   # WAL mode, closed on exit
        conn.execute("CREATE TABLE IF NOT EXISTS t(x)")
    walsafe.delete_database("app.db")    # all four files, or DatabaseInUse

Plain ``sqlite3.connect()`` calls made after :func:`load` go through walsafe
too; :func:`connect` only adds closing on exit and WAL mode.

The ``sqlite3`` module must be able to load extensions (CPython built with
``--enable-loadable-sqlite-extensions``: python.org's Windows installers,
Debian's and most distributions' Python; not pyenv's default build nor
python.org's macOS installer). :func:`load` raises :class:`Unavailable`
naming the interpreter otherwise.
"""
import contextlib
import json
import os
import sqlite3
import sys
import threading

__all__ = [
    "DatabaseInUse",
    "Error",
    "NotProtected",
    "Unavailable",
    "configure",
    "connect",
    "delete_database",
    "handle_count",
    "is_loaded",
    "load",
    "loadable_path",
    "open_databases",
    "status",
]

__version__ = "0.1.0"

#: Largest retry budget / delete timeout walsafe accepts, in milliseconds.
MAX_MS = 600000

_BINARIES = {"win32": "walsafe.dll", "cygwin": "walsafe.dll", "darwin": "libwalsafe.dylib"}
_CLEANUP_MODES = ("auto", "force", "off")

_lock = threading.Lock()
_loaded_from = None  # path of the binary load() loaded, or a description


class Error(Exception):
    """A walsafe operation failed; the message is walsafe's own report.

    ``sqlite_errorname`` is the SQLite result code's name (for example
    ``"SQLITE_IOERR"``) when known, else ``None``.
    """

    def __init__(self, message, sqlite_errorname=None):
        super().__init__(message)
        self.sqlite_errorname = sqlite_errorname


class Unavailable(Error, RuntimeError):
    """walsafe cannot be loaded into this interpreter's ``sqlite3`` module.

    The message names the interpreter (``sys.executable``), its SQLite
    version and the reason: a ``sqlite3`` module built without
    loadable-extension support, no walsafe binary for this platform in the
    installed package, or SQLite refusing the binary.
    """


class NotProtected(Error, RuntimeError):
    """A connection that has database files open is not on walsafe.

    Raised by :func:`load` for a connection passed to it that was opened
    before walsafe was loaded (it stays on the native VFS: reopen it), and by
    :func:`connect` when a URI named another VFS. ``paths`` lists the
    database files concerned.
    """

    def __init__(self, message, paths=()):
        super().__init__(message)
        self.paths = list(paths)


class DatabaseInUse(Error, PermissionError):
    """:func:`delete_database` deleted nothing: the database is still open.

    A subclass of :class:`PermissionError`, so code written for Windows'
    ``PermissionError: [WinError 32]`` keeps catching it. The message is
    walsafe's report of what is open (which kind of file, how many handles,
    since when); ``path`` is the database that was to be deleted.
    """

    def __init__(self, report, path=None):
        # One argument only: str(exc) is exactly walsafe's report.
        super().__init__(report, "SQLITE_BUSY")
        self.report = report
        self.path = path


def loadable_path():
    """Absolute path of the walsafe extension binary inside this package.

    ``libwalsafe.so`` on Linux, ``walsafe.dll`` on Windows: the file to give
    ``load_extension`` in any SQLite client (the sqlite3 shell's ``.load``,
    better-sqlite3, ``SqliteConnection.LoadExtension``). Its entry point is
    ``sqlite3_walsafe_init``, which SQLite derives from the file name.
    Raises :class:`Unavailable` when the installed wheel carries no binary
    for this platform.
    """
    name = _BINARIES.get(sys.platform, "libwalsafe.so")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    if not os.path.isfile(path):
        shipped = sorted(set(_BINARIES.values()) | {"libwalsafe.so"})
        present = [n for n in shipped if os.path.isfile(os.path.join(os.path.dirname(path), n))]
        raise Unavailable(
            f"walsafe: no {name} in {os.path.dirname(path)} for this platform ({sys.platform}); "
            f"this installation carries {present or 'no binary'}. Install the walsafe wheel built "
            "for this platform (manylinux x86_64 or win_amd64)."
        )
    return path


def _interpreter():
    return f"{sys.executable or 'this Python'} (Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version})"


def _check_can_load_extensions():
    if not hasattr(sqlite3.Connection, "enable_load_extension"):
        raise Unavailable(
            f"walsafe cannot be loaded into {_interpreter()}: its sqlite3 module was built without "
            "loadable-extension support (Connection.enable_load_extension is missing; CPython needs "
            "--enable-loadable-sqlite-extensions, which pyenv's default build and python.org's macOS "
            "installer lack). Use a Python that has it (python.org's Windows installer, Debian's "
            "/usr/bin/python3), or on Linux walsafe's LD_PRELOAD library."
        )


def _already_registered():
    """True when walsafe's SQL functions reach a new connection already
    (loaded by someone else in this process, or by LD_PRELOAD)."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("SELECT walsafe_config('retry_ms')").fetchone()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


def is_loaded():
    """True once walsafe is the default VFS of this process's SQLite
    (through :func:`load`, the ``WALSAFE_AUTOLOAD`` hook, another
    ``load_extension`` of the binary, or LD_PRELOAD)."""
    return _loaded_from is not None or _already_registered()


def load(conn=None):
    """Make walsafe the default VFS for every connection opened from now on.

    Loads the binary through a private ``:memory:`` connection (closed
    again; the extension stays loaded for the life of the process), so it
    needs no connection of yours. Calling it again does nothing; so does a
    process where walsafe is already loaded (LD_PRELOAD, or the binary
    loaded by hand). Returns the path of the binary, or a description of
    where walsafe came from.

    ``conn``: optional, for code written in the ``ext.load(conn)`` habit of
    other SQLite extensions. walsafe cannot move a connection that is
    already open onto another VFS, so:

    - the extension is also loaded through ``conn`` (which then has the SQL
      functions ``walsafe_delete_database``, ``walsafe_handle_count``,
      ``walsafe_config``, ``walsafe_open_databases``; extension loading is
      switched off on ``conn`` again afterwards);
    - if ``conn`` has a database file open (main or attached) that is not on
      walsafe, :class:`NotProtected` is raised naming those files: close the
      connection and open it again. walsafe is loaded for later connections
      all the same. A ``:memory:`` or temporary connection, or one opened
      after walsafe was loaded, passes.

    Raises :class:`Unavailable` when this interpreter's ``sqlite3`` cannot
    load extensions or SQLite refuses the binary.
    """
    global _loaded_from
    with _lock:
        if _loaded_from is None:
            if _already_registered():
                _loaded_from = "already registered in this process (LD_PRELOAD or an earlier load_extension)"
            else:
                _check_can_load_extensions()
                path = loadable_path()
                private = sqlite3.connect(":memory:")
                try:
                    _load_through(private, path)
                finally:
                    # The VFS outlives this connection (the extension asks
                    # SQLite to keep it loaded).
                    private.close()
                _loaded_from = path
    if conn is not None:
        if not _has_functions(conn):
            _check_can_load_extensions()
            _load_through(conn, loadable_path())
        unprotected = _unprotected_files(conn)
        if unprotected:
            raise NotProtected(
                "walsafe.load(conn): walsafe is loaded for connections opened from now on, but this "
                f"connection was opened before and stays on the native VFS for {', '.join(unprotected)}: "
                "close it and open it again (walsafe.connect(path) or sqlite3.connect(path)) to protect it.",
                unprotected,
            )
    return _loaded_from


def _load_through(conn, path):
    try:
        conn.enable_load_extension(True)
        try:
            conn.load_extension(path)
        finally:
            conn.enable_load_extension(False)
    except sqlite3.Error as error:
        raise Unavailable(f"walsafe: SQLite in {_interpreter()} could not load {path}: {error}") from error


def _has_functions(conn):
    try:
        conn.execute("SELECT walsafe_config('retry_ms')").fetchone()
        return True
    except sqlite3.OperationalError:
        return False


def _unprotected_files(conn):
    """Database files conn has open that are not on walsafe."""
    unprotected = []
    for _, schema, filename in conn.execute("PRAGMA database_list").fetchall():
        if filename and not _status_text(conn, schema):
            unprotected.append(filename)
    return unprotected


def _status_text(conn, schema="main"):
    quoted = '"' + schema.replace('"', '""') + '"'
    try:
        row = conn.execute(f"PRAGMA {quoted}.walsafe_status").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _errorname(error):
    name = getattr(error, "sqlite_errorname", None)  # Python 3.11+
    if name:
        return name
    # Python < 3.11: the exception class says enough for walsafe's codes.
    if isinstance(error, sqlite3.InternalError):
        return "SQLITE_NOTFOUND"
    if isinstance(error, sqlite3.InterfaceError):
        return "SQLITE_MISUSE"
    if isinstance(error, sqlite3.OperationalError) and "handle(s) open" in str(error):
        return "SQLITE_BUSY"
    return None


def _call(sql, *args):
    """Run one walsafe SQL function on a fresh private :memory: connection
    (it has the functions, holds no file, and is safe in any thread)."""
    load()
    conn = sqlite3.connect(":memory:")
    try:
        return conn.execute(sql, args).fetchone()[0]
    finally:
        conn.close()


def _fspath(path):
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not path:
        raise ValueError("walsafe: the database path is empty")
    return path


def _ms(seconds, what):
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"walsafe: {what} must be a number of seconds, not {seconds!r}")
    ms = int(round(seconds * 1000))
    if not 0 <= ms <= MAX_MS:
        raise ValueError(f"walsafe: {what} must be between 0 and {MAX_MS // 1000} seconds, not {seconds!r}")
    return ms


def delete_database(path, timeout=2.0, missing_ok=True):
    """Delete the database ``path`` and its ``-wal``, ``-shm`` and ``-journal``.

    Waits up to ``timeout`` seconds for this process's connections to it to
    close, then deletes all four files under an exclusive lock, retrying
    transient sharing errors (a scanner holding a file) until ``timeout``
    has passed. A ``-wal`` holding committed frames is checkpointed into the
    database first, so nothing is ever replayed onto a later database of the
    same name.

    Returns ``True`` when something was deleted, ``False`` when none of the
    four files existed (and ``missing_ok`` is true).

    Raises:
        DatabaseInUse: (a :class:`PermissionError`) a connection in this
            process or another still has it open; nothing was deleted. The
            message is walsafe's report: which files, how many handles,
            since when.
        FileNotFoundError: none of the files existed and ``missing_ok`` is
            false.
        ValueError: ``path`` names a ``-wal``/``-shm``/``-journal`` (pass the
            database), or is empty.
        Error: any other failure, with walsafe's report.
    """
    path = _fspath(path)
    ms = _ms(timeout, "timeout")
    try:
        _call("SELECT walsafe_delete_database(?, ?)", path, ms)
        return True
    except sqlite3.Error as error:
        name, report = _errorname(error), str(error)
        if name == "SQLITE_NOTFOUND":
            if missing_ok:
                return False
            raise FileNotFoundError(2, report, path) from None
        if name == "SQLITE_BUSY":
            raise DatabaseInUse(report, path) from None
        if name == "SQLITE_MISUSE":
            raise ValueError(report) from None
        raise Error(report, name) from None


def handle_count(path):
    """Handles this process has open on database ``path`` through walsafe.

    Counts the main file, ``-wal`` and rollback-journal handles of every
    connection (any spelling of the path: relative, absolute, through a
    symlink). ``0`` when no such file exists. Connections opened before
    walsafe was loaded, or in other processes, are not counted.
    """
    path = _fspath(path)
    try:
        return _call("SELECT walsafe_handle_count(?)", path)
    except sqlite3.Error as error:
        if _errorname(error) == "SQLITE_NOTFOUND":
            return 0
        raise Error(str(error), _errorname(error)) from None


def _parse_status(text):
    """PRAGMA walsafe_status text as a dict; numbers become ints."""
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key == "database":  # a path may hold spaces
            fields[key] = value
        elif key == "pending_deletes":  # "none", or e.g. "wal shm"
            fields[key] = [] if value == "none" else value.split()
        else:  # "key=value", or "handles=2 main=1 wal=1 journal=0 shm=1"
            for pair in line.split(" "):
                key, sep, value = pair.partition("=")
                if sep:
                    fields[key] = int(value) if value.lstrip("-").isdigit() else value
    return fields


def status(conn=None):
    """walsafe's state, as a dict.

    With ``conn`` (a connection on walsafe): ``PRAGMA walsafe_status`` of its
    database, parsed: ``vfs`` (``"walsafe/unix"`` or ``"walsafe/win32"``),
    ``database``, ``handles``, ``main``, ``wal``, ``journal``, ``shm``,
    ``pending_deletes`` (list), ``retry_ms``, ``cleanup`` and the process-wide
    counters (``files_open``, ``retries``, ``cleanups_done``, ``failures``,
    ...). Raises :class:`NotProtected` when ``conn``'s database is not on
    walsafe (or it has no file: ``:memory:``).

    Without: the process-wide view, which needs no open database:
    ``retry_ms`` and ``cleanup`` in force, ``files_open`` (handles open
    through walsafe, counting each database's main, ``-wal`` and journal),
    ``databases_open`` and ``open_databases`` (as :func:`open_databases`).
    The counters are only reachable through a connection's PRAGMA.
    """
    if conn is not None:
        text = _status_text(conn)
        if text is None:
            files = [f for _, schema, f in conn.execute("PRAGMA database_list").fetchall() if schema == "main"]
            raise NotProtected(
                f"walsafe.status(conn): the connection's database ({files[0] if files and files[0] else ':memory:'}) "
                "is not opened through walsafe (opened before walsafe.load(), in memory, or with another VFS)",
                [f for f in files if f],
            )
        return _parse_status(text)
    databases = open_databases()
    settings = configure()
    return {
        "retry_ms": settings["retry_ms"],
        "cleanup": settings["cleanup"],
        "files_open": sum(db["handles"] for db in databases),
        "databases_open": len(databases),
        "open_databases": databases,
    }


def configure(retry_ms=None, cleanup=None):
    """Set walsafe's process-wide options; returns the values in force before.

    ``retry_ms``: the retry budget, 0..600000 ms (default 3000): how long an
    open, delete or cleanup keeps retrying a transient sharing error.
    ``cleanup``: ``"auto"`` (default: clean up ``-wal``/``-shm`` at the last
    close, respecting ``SQLITE_FCNTL_PERSIST_WAL``), ``"force"`` (also
    then) or ``"off"`` (no last-close cleanup).

    Options left ``None`` are unchanged; ``configure()`` alone reads them.
    Returns ``{"retry_ms": int, "cleanup": str}`` as they were before the
    call. A URI parameter (``walsafe_retry_ms``, ``walsafe_cleanup``) still
    overrides them for one database.
    """
    if retry_ms is not None and (isinstance(retry_ms, bool) or not isinstance(retry_ms, int)
                                 or not 0 <= retry_ms <= MAX_MS):
        raise ValueError(f"walsafe.configure: retry_ms must be an int in 0..{MAX_MS}, not {retry_ms!r}")
    if cleanup is not None and cleanup not in _CLEANUP_MODES:
        raise ValueError(f"walsafe.configure: cleanup must be one of {_CLEANUP_MODES}, not {cleanup!r}")
    old_retry = _call("SELECT walsafe_config('retry_ms', ?)", retry_ms) if retry_ms is not None \
        else _call("SELECT walsafe_config('retry_ms')")
    old_cleanup = _call("SELECT walsafe_config('cleanup', ?)", cleanup) if cleanup is not None \
        else _call("SELECT walsafe_config('cleanup')")
    return {"retry_ms": old_retry, "cleanup": old_cleanup}


def open_databases():
    """Every database this process has open through walsafe, right now.

    A list of dicts: ``path`` (canonical), ``handles`` (main + ``-wal`` +
    journal handles), ``main``, ``wal``, ``journal``, ``shm`` (mappings),
    ``pending_deletes`` (side files whose deletion waits for a handle to
    close) and ``files``: one ``{"kind", "mode", "open_ms"}`` per open handle,
    ``open_ms`` being how long it has been open. ``[]`` when nothing is open.
    """
    return json.loads(_call("SELECT walsafe_open_databases()"))


class _ClosingConnection:
    """Mixin for sqlite3.Connection: ``with`` commits (or rolls back on an
    exception), as the stdlib does, and then closes the connection."""

    def __exit__(self, exc_type, exc, tb):
        try:
            return super().__exit__(exc_type, exc, tb)
        finally:
            self.close()


class Connection(_ClosingConnection, sqlite3.Connection):
    """The connection class :func:`connect` returns: a ``sqlite3.Connection``
    whose ``with`` block also closes it."""


_closing_classes = {sqlite3.Connection: Connection}


def _closing_factory(factory):
    with _lock:
        cls = _closing_classes.get(factory)
        if cls is None:
            cls = type(f"Closing{factory.__name__}", (_ClosingConnection, factory), {"__doc__": Connection.__doc__})
            _closing_classes[factory] = cls
        return cls


def connect(path, *, wal=True, timeout=5.0, **kw):
    """Open ``path`` through walsafe; ``with`` closes it on exit.

    The replacement for hand-written ``wal_db()`` context managers::

        with walsafe.connect("app.db") as conn:
            conn.execute("INSERT INTO t VALUES (1)")
        # committed (rolled back on an exception) and closed: walsafe has
        # checkpointed and removed the -wal and -shm if this was the last
        # connection to the database in the process.

    Loads walsafe first (:func:`load`). ``wal=True`` sets
    ``PRAGMA journal_mode=WAL``. ``timeout`` is SQLite's busy timeout in
    seconds, as for ``sqlite3.connect``; other keywords go to
    ``sqlite3.connect`` (``uri=True``, ``isolation_level``,
    ``check_same_thread``, ``factory``, ...). The result is a real
    ``sqlite3.Connection`` (of a subclass of ``factory``), usable without
    ``with`` too: then close it yourself.

    Raises :class:`NotProtected` (after closing it) if the database is not
    on walsafe after all, e.g. a URI that names another VFS.
    """
    load()
    factory = kw.pop("factory", sqlite3.Connection)
    conn = sqlite3.connect(path, timeout=timeout, factory=_closing_factory(factory), **kw)
    try:
        unprotected = _unprotected_files(conn)
        if unprotected:
            raise NotProtected(
                f"walsafe.connect: {', '.join(unprotected)} is not opened through walsafe (does the URI name another vfs?)",
                unprotected,
            )
        if wal:
            conn.execute("PRAGMA journal_mode=WAL").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn
