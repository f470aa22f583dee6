"""walsafe for Python test suites: load the extension once, and a pytest
fixture that gives each test a temporary database and checks on teardown
that the test closed every connection and that nothing is left on disk.

It replaces fixtures that close, checkpoint, sleep and retry deletes by hand
(a ``temp_db_path`` that "auto-cleans WAL files"): walsafe counts the handles,
so a leaked connection is reported by name instead of showing up later as a
-wal that will not go away.

Use it from your conftest.py (with this file on sys.path):

    pytest_plugins = ["walsafe_fixture"]

and point WALSAFE_EXTENSION at libwalsafe.so (walsafe.dll on Windows), or
call load_walsafe(path) yourself before the first test.

Needs a Python whose sqlite3 module can load extensions (Debian's and most
distributions' /usr/bin/python3 can; python.org macOS builds and pyenv
builds without --enable-loadable-sqlite-extensions cannot): load_walsafe
raises WalsafeUnavailable saying so.
"""
import os
import sqlite3
import sys

import pytest

EXTENSION_ENV = "WALSAFE_EXTENSION"
DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")

_loaded_from = None


class WalsafeUnavailable(RuntimeError):
    """walsafe cannot be loaded into this Python."""


def load_walsafe(extension_path=None, sqlite_module=sqlite3):
    """Load the walsafe extension into this process's SQLite, once.

    From then on walsafe is the default VFS: every sqlite3.connect() goes
    through it, and connections opened afterwards have the SQL functions
    walsafe_delete_database() and walsafe_handle_count(). Returns the path
    it was loaded from.
    """
    global _loaded_from
    # Checked first, so a Python without the feature is named even when a
    # caller tries again.
    if not hasattr(sqlite_module.Connection, "enable_load_extension"):
        raise WalsafeUnavailable(
            f"this Python ({sys.executable}, SQLite {sqlite_module.sqlite_version}) has a sqlite3 "
            "module built without loadable-extension support: Connection.enable_load_extension "
            "is missing (CPython needs --enable-loadable-sqlite-extensions). Use a Python that has "
            "it, such as Debian's /usr/bin/python3, or the LD_PRELOAD library on Linux."
        )
    if _loaded_from is not None:
        return _loaded_from
    path = extension_path or os.environ.get(EXTENSION_ENV)
    if not path:
        raise WalsafeUnavailable(f"set {EXTENSION_ENV} to the path of libwalsafe.so, or pass it to load_walsafe()")
    conn = sqlite_module.connect(":memory:")
    try:
        conn.enable_load_extension(True)
        conn.load_extension(path)
    finally:
        # The extension stays loaded (it asks SQLite to keep it) and walsafe
        # stays the default VFS after this connection is gone.
        conn.close()
    _loaded_from = path
    return path


def _call(sql, *args):
    # A fresh :memory: connection: it has the SQL functions (they are added
    # to connections opened after the load) and holds no handle on any file.
    conn = sqlite3.connect(":memory:")
    try:
        return conn.execute(sql, args).fetchone()[0]
    finally:
        conn.close()


def files_on_disk(db_path):
    """Which of the database and its side files exist, as suffixes ("" is
    the database itself)."""
    return [suffix for suffix in DATABASE_SUFFIXES if os.path.exists(db_path + suffix)]


def handle_count(db_path):
    """Handles this process has open on db_path through walsafe (0 also
    when the database does not exist)."""
    if not files_on_disk(db_path):
        return 0
    return _call("SELECT walsafe_handle_count(?)", db_path)


def delete_database(db_path, timeout_ms=0):
    """walsafe_delete_database(): the database and its -wal, -shm and
    -journal, or sqlite3.OperationalError saying what is still open."""
    return _call("SELECT walsafe_delete_database(?, ?)", db_path, timeout_ms)


@pytest.fixture
def walsafe_db_path(tmp_path):
    """Path of a database that does not exist yet, in a fresh directory.

    On teardown: fails if the test left a connection open on it (with
    walsafe's report of the open handles), otherwise deletes the database
    and its side files and fails if any of them is still on disk.
    """
    load_walsafe()
    db_path = str(tmp_path / "test.db")
    yield db_path
    left_open = handle_count(db_path)
    if left_open:
        try:
            delete_database(db_path)  # deletes nothing; its error is the report
            report = "(walsafe_delete_database deleted it anyway)"
        except sqlite3.Error as error:
            report = str(error)
        pytest.fail(
            f"walsafe_db_path: the test left {left_open} handle(s) open on {db_path}: "
            f"close every connection it opened.\n{report}",
            pytrace=False,
        )
    if files_on_disk(db_path):
        delete_database(db_path)
    left = files_on_disk(db_path)
    if left:
        pytest.fail(f"walsafe_db_path: still on disk after teardown: {[db_path + s for s in left]}", pytrace=False)
