"""walsafe's pytest plugin, active as soon as the walsafe wheel is installed
(entry point ``pytest11``; disable with ``-p no:walsafe``).

Fixture ``walsafe_db``: the path (a ``str``) of a database that does not
exist yet, in a fresh temporary directory, with walsafe loaded. At teardown:

- if the test left a connection open on it, the test errors (or, with the
  ini option ``walsafe_leaks = warn``, a ``WalsafeLeakWarning`` is issued)
  with walsafe's report of the open handles AND the ``file:line`` where
  each leaked connection was opened; nothing is deleted from under it;
- otherwise the database and its ``-wal``/``-shm``/``-journal`` are deleted
  (retrying transient sharing errors), and the test errors if any of them
  is still on disk.

Where a connection was opened comes from CPython's audit events
``sqlite3.connect`` and ``sqlite3.connect/handle`` (Python 3.10+), hooked
when pytest starts; without them the report has the handle counts only.

At the end of the session, a summary lists every database still open
through walsafe in the pytest process, with where each was opened.

ini options::

    [pytest]
    walsafe_leaks = fail    # or warn
"""
import gc
import os
import sqlite3
import sys
import threading
import urllib.parse
import warnings

import _pytest
import pluggy
import pytest

import walsafe

LEAK_MODES = ("fail", "warn")
SUFFIXES = ("", "-wal", "-shm", "-journal")
_PRUNE_EVERY = 500  # records added between scans for closed connections
_SKIP_DIRS = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep for module in (walsafe, sqlite3)
)
# The caller's frames stop where pytest's own machinery begins.
_STOP_DIRS = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep for module in (pytest, _pytest, pluggy)
)


class WalsafeLeakWarning(UserWarning):
    """A test left a connection open on its ``walsafe_db`` (with
    ``walsafe_leaks = warn``)."""


class _Opened:
    """Where one connection was opened: its database's real path, and the
    caller's frames (innermost first), outside sqlite3 and walsafe."""

    __slots__ = ("path", "frames", "thread")

    def __init__(self, path, frames, thread):
        self.path = path
        self.frames = frames
        self.thread = thread

    def describe(self):
        where = self.frames[0] if self.frames else "an unknown place"
        called_from = "".join(f"\n      called from {frame}" for frame in self.frames[1:])
        return f"connection opened at {where}{called_from}"


def _database_path(database, cwd):
    """The real path of the file a sqlite3.connect() argument names, or
    None for in-memory and temporary databases."""
    try:
        name = os.fsdecode(os.fspath(database))
    except TypeError:
        return None
    if name in ("", ":memory:") or name.startswith("file::memory:") or "mode=memory" in name:
        return None
    if name.startswith("file:"):  # a URI (uri=True is not in the event)
        name = urllib.parse.unquote(name[5:].split("?", 1)[0].split("#", 1)[0])
        if name.startswith("//"):  # file://host/path
            name = "/" + name[2:].partition("/")[2]
        if len(name) > 2 and name[0] == "/" and name[2] == ":":  # file:///C:/x
            name = name[1:]
    return os.path.realpath(os.path.join(cwd, name))


def _caller_frames(limit=3):
    frames = []
    frame = sys._getframe(2)
    while frame is not None and len(frames) < limit:
        filename = frame.f_code.co_filename
        if filename.startswith(_STOP_DIRS):
            break
        if not filename.startswith(_SKIP_DIRS):
            frames.append(f"{filename}:{frame.f_lineno} (in {frame.f_code.co_name})")
        frame = frame.f_back
    return frames


def _is_open(conn):
    try:
        conn.total_changes
        return True
    except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
        return False
    except Exception:
        return False


class ConnectionTracker:
    """Records where each sqlite3 connection was opened, through the audit
    events ``sqlite3.connect`` (the database argument) and
    ``sqlite3.connect/handle`` (the connection). Connections are keyed by
    ``id()`` (they cannot be weakly referenced) and never kept alive."""

    def __init__(self):
        self._pending = threading.local()
        self._records = {}
        self._lock = threading.Lock()
        self._added = 0
        self.installed = False
        self.seen_handle_event = False

    def install(self):
        if not self.installed:
            sys.addaudithook(self._hook)
            self.installed = True

    def _hook(self, event, args):
        # Called for every audit event of the process: return at once for
        # the others, and never raise (an exception would reach the caller).
        if not event.startswith("sqlite3.connect"):
            return
        try:
            if event == "sqlite3.connect":
                path = _database_path(args[0], os.getcwd())
                self._pending.opened = _Opened(path, _caller_frames(), threading.current_thread().name) if path else None
            elif event == "sqlite3.connect/handle":
                self.seen_handle_event = True
                opened = getattr(self._pending, "opened", None)
                self._pending.opened = None
                if opened is not None:
                    self._add(id(args[0]), opened)
        except Exception:
            pass

    def _add(self, key, opened):
        with self._lock:
            self._records[key] = opened
            self._added += 1
            prune = self._added % _PRUNE_EVERY == 0
        if prune:
            live = {id(conn) for conn in self._live_connections()}
            with self._lock:
                for key in [k for k in self._records if k not in live]:
                    del self._records[key]

    @staticmethod
    def _live_connections():
        return [obj for obj in gc.get_objects() if isinstance(obj, sqlite3.Connection) and _is_open(obj)]

    def open_connections(self, db_path=None):
        """Where each connection still open (on ``db_path``, or on any file
        database) was opened, as a list of _Opened."""
        real = os.path.realpath(db_path) if db_path else None
        with self._lock:
            records = dict(self._records)
        found = []
        for conn in self._live_connections():
            opened = records.get(id(conn))
            if opened is not None and (real is None or opened.path == real):
                found.append(opened)
        return found


_tracker = ConnectionTracker()


def files_on_disk(db_path):
    """Which of the database and its side files exist, as full paths."""
    return [db_path + suffix for suffix in SUFFIXES if os.path.exists(db_path + suffix)]


def pytest_addoption(parser):
    parser.addini(
        "walsafe_leaks",
        "walsafe_db teardown when the test left a connection open: fail (default) or warn",
        default="fail",
    )


def pytest_configure(config):
    mode = config.getini("walsafe_leaks").strip().lower()
    if mode not in LEAK_MODES:
        raise pytest.UsageError(f"walsafe_leaks must be one of {', '.join(LEAK_MODES)}, not {mode!r}")
    _tracker.install()


def _where_opened(db_path):
    opened = _tracker.open_connections(db_path)
    if opened:
        return "".join(f"\n  {record.describe()}" for record in opened)
    if not _tracker.seen_handle_event:
        return ("\n  (where it was opened is unknown: this Python raises no sqlite3.connect/handle "
                "audit event; Python 3.10+ does)")
    return ("\n  (no connection opened from Python code matches: opened before pytest started, "
            "or by a C library)")


def _report(config, message):
    if config.getini("walsafe_leaks").strip().lower() == "warn":
        warnings.warn(WalsafeLeakWarning(message), stacklevel=2)
    else:
        pytest.fail(message, pytrace=False)


@pytest.fixture
def walsafe_db(request, tmp_path):
    """Path (str) of a database that does not exist yet, in a fresh
    directory, with walsafe loaded (``walsafe.load()``).

    Teardown fails the test (``walsafe_leaks = warn``: warns) if it left a
    connection open, naming the line that opened it and walsafe's report of
    the open handles; otherwise it deletes the database and its side files
    and fails if any is still on disk.
    """
    walsafe.load()
    db_path = str(tmp_path / "test.db")
    yield db_path
    left_open = walsafe.handle_count(db_path)
    if left_open:
        gc.collect()  # a connection nothing refers to any more is closed by the collector
        left_open = walsafe.handle_count(db_path)
    if left_open:
        try:
            walsafe.delete_database(db_path, timeout=0)  # deletes nothing: its error is the report
            report = "(walsafe_delete_database deleted it anyway)"
        except walsafe.DatabaseInUse as error:
            report = error.report
        _report(
            request.config,
            f"walsafe_db: the test left {left_open} handle(s) open on {db_path}: close every "
            f"connection it opened.{_where_opened(db_path)}\nwalsafe: {report}",
        )
        return
    try:
        walsafe.delete_database(db_path)
    except walsafe.DatabaseInUse as error:  # open in another process
        _report(request.config, f"walsafe_db: cannot delete {db_path} at teardown:\nwalsafe: {error.report}")
        return
    left = files_on_disk(db_path)
    if left:
        _report(request.config, f"walsafe_db: still on disk after teardown: {left}")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """List the databases still open through walsafe in this process."""
    try:
        if not walsafe.is_loaded():
            return
        databases = walsafe.open_databases()
    except walsafe.Error:
        return
    if not databases:
        return
    terminalreporter.write_sep("=", "walsafe: databases still open at the end of the session")
    for db in databases:
        oldest = max((f["open_ms"] for f in db.get("files", [])), default=0)
        terminalreporter.write_line(
            f"{db['path']}: {db['handles']} handle(s) (main={db['main']} wal={db['wal']} "
            f"journal={db['journal']} shm={db['shm']}), open for {oldest} ms"
        )
        for record in _tracker.open_connections(db["path"]):
            terminalreporter.write_line(f"  {record.describe()}")
