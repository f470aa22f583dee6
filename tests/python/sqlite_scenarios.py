"""Plain sqlite3 scenarios, with no knowledge of walsafe.

The tests run this file three ways: imported after the walsafe extension is
loaded, as an unmodified /usr/bin/python3 script under the LD_PRELOAD
library, and as a script in a process where walsafe is absent (to show the
problem is real). As a script it prints one JSON object:

    python3 sqlite_scenarios.py read-only-last-closer /tmp/x/app.db
    {"walsafe_status": "vfs=walsafe/unix ..." or null,
     "handle_count": 1 or null, "rows": 2, "left_on_disk": ["-wal", "-shm"]}
"""
import json
import os
import sqlite3
import sys
import urllib.parse

SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def side_files_on_disk(db_path):
    return [suffix for suffix in SIDE_SUFFIXES if os.path.exists(db_path + suffix)]


def connect(db_path, read_only=False):
    # isolation_level=None: autocommit, so no transaction stays open between
    # statements and a close is the only thing that ends a connection's work.
    if read_only:
        uri = "file:" + urllib.parse.quote(db_path) + "?mode=ro"
        return sqlite3.connect(uri, uri=True, isolation_level=None)
    return sqlite3.connect(db_path, isolation_level=None)


def make_wal_database(db_path):
    conn = connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t(x)")
    conn.execute("INSERT INTO t VALUES (randomblob(5000))")
    conn.close()


def walsafe_status(conn):
    """PRAGMA walsafe_status, or None where walsafe is not the VFS (SQLite
    ignores an unknown pragma and returns no row)."""
    row = conn.execute("PRAGMA walsafe_status").fetchone()
    return row[0] if row else None


def walsafe_handle_count(conn, db_path):
    """walsafe_handle_count(path), or None where the function is absent."""
    try:
        return conn.execute("SELECT walsafe_handle_count(?)", (db_path,)).fetchone()[0]
    except sqlite3.OperationalError as error:
        if "no such function" in str(error):
            return None
        raise


def read_only_last_closer(db_path):
    """A writer commits while a reader is open; the writer closes first, so
    the last connection to close is read-only and cannot checkpoint. On the
    plain VFS the -wal (holding the committed row) and the -shm stay."""
    make_wal_database(db_path)
    writer = connect(db_path)
    reader = connect(db_path, read_only=True)
    reader.execute("SELECT count(*) FROM t").fetchone()
    writer.execute("INSERT INTO t VALUES (randomblob(5000))")
    report = {
        "walsafe_status": walsafe_status(writer),
        "handle_count": walsafe_handle_count(writer, db_path),
    }
    writer.close()  # not the last: no checkpoint
    reader.close()  # the last, and read-only
    check = connect(db_path, read_only=True)
    report["rows"] = check.execute("SELECT count(*) FROM t").fetchone()[0]
    check.close()
    report["left_on_disk"] = side_files_on_disk(db_path)
    return report


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "read-only-last-closer":
        sys.exit("usage: sqlite_scenarios.py read-only-last-closer DB_PATH")
    print(json.dumps(read_only_last_closer(sys.argv[2])))
