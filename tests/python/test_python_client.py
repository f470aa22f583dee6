"""Python's sqlite3 module on walsafe: the extension loaded once, then plain
sqlite3.connect() (Debian's /usr/bin/python3 and the system SQLite)."""
import json
import os
import sqlite3
import subprocess
import sys

import pytest

import sqlite_scenarios
from walsafe_fixture import delete_database, files_on_disk, handle_count, load_walsafe

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(autouse=True)
def walsafe_loaded():
    load_walsafe()


def status_fields(text):
    """PRAGMA walsafe_status as a dict: one "key=value" per line, and the
    handles line "handles=N main=N wal=N journal=N shm=N"."""
    fields = {}
    for line in text.splitlines():
        for pair in line.split(" "):
            key, _, value = pair.partition("=")
            fields[key] = value
    return fields


def test_plain_connect_goes_through_walsafe(walsafe_db_path):
    conn = sqlite3.connect(walsafe_db_path)
    conn.execute("CREATE TABLE t(x)")
    status = status_fields(conn.execute("PRAGMA walsafe_status").fetchone()[0])
    assert status["vfs"] == "walsafe/unix"
    assert status["database"] == os.path.realpath(walsafe_db_path)
    assert conn.execute("SELECT walsafe_handle_count(?)", (walsafe_db_path,)).fetchone()[0] == 1
    conn.close()


def test_pragma_walsafe_status_reads_handles_and_counters(walsafe_db_path):
    sqlite_scenarios.make_wal_database(walsafe_db_path)
    conn = sqlite_scenarios.connect(walsafe_db_path)
    conn.execute("SELECT count(*) FROM t").fetchone()
    status = status_fields(sqlite_scenarios.walsafe_status(conn))
    assert (status["handles"], status["main"], status["wal"], status["shm"]) == ("2", "1", "1", "1")
    assert status["pending_deletes"] == "none"
    assert status["retry_ms"] == "3000" and status["cleanup"] == "auto"
    for counter in ("files_open", "cleanups_run", "cleanups_done", "failures"):
        assert status[counter].isdigit(), counter
    conn.close()


def test_read_only_last_closer_leaves_no_wal_or_shm(walsafe_db_path):
    report = sqlite_scenarios.read_only_last_closer(walsafe_db_path)
    assert report["walsafe_status"].startswith("vfs=walsafe/unix")
    assert report["rows"] == 2  # the writer's row was checkpointed, not lost
    assert report["left_on_disk"] == []


def test_read_only_last_closer_without_walsafe_leaves_wal_and_shm(tmp_path):
    # The same scenario in a process that never loads walsafe: the problem
    # walsafe fixes is real here.
    db_path = str(tmp_path / "plain.db")
    run = subprocess.run(
        [sys.executable, os.path.join(HERE, "sqlite_scenarios.py"), "read-only-last-closer", db_path],
        capture_output=True, text=True, check=True, env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"},
    )
    report = json.loads(run.stdout)
    assert report["walsafe_status"] is None and report["handle_count"] is None
    assert report["rows"] == 2
    assert report["left_on_disk"] == ["-wal", "-shm"]
    assert os.path.getsize(db_path + "-wal") > 0


@pytest.mark.parametrize("first_to_close", ["writer", "reader"])
def test_two_connections_closed_in_either_order_leave_nothing(walsafe_db_path, first_to_close):
    sqlite_scenarios.make_wal_database(walsafe_db_path)
    writer = sqlite_scenarios.connect(walsafe_db_path)
    reader = sqlite_scenarios.connect(walsafe_db_path)
    writer.execute("INSERT INTO t VALUES (2)")
    assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 2
    assert handle_count(walsafe_db_path) == 4  # main and -wal for each
    first, second = (writer, reader) if first_to_close == "writer" else (reader, writer)
    first.close()
    assert files_on_disk(walsafe_db_path) == ["", "-wal", "-shm"]  # the other is still open
    second.close()
    assert handle_count(walsafe_db_path) == 0
    assert files_on_disk(walsafe_db_path) == [""]


def test_delete_database_removes_the_database_and_every_side_file(tmp_path):
    db_path = str(tmp_path / "leftovers.db")
    # Leftovers as a process without walsafe leaves them, plus the empty
    # -journal that journal_mode=TRUNCATE leaves after every transaction
    # (SQLite's xAccess calls an empty file absent; it is still on disk).
    subprocess.run(
        [sys.executable, os.path.join(HERE, "sqlite_scenarios.py"), "read-only-last-closer", db_path],
        capture_output=True, check=True, env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"},
    )
    open(db_path + "-journal", "wb").close()
    assert files_on_disk(db_path) == ["", "-wal", "-shm", "-journal"]
    conn = sqlite3.connect(":memory:")
    assert conn.execute("SELECT walsafe_delete_database(?)", (db_path,)).fetchone()[0] == 1
    conn.close()
    assert files_on_disk(db_path) == []
    assert os.listdir(tmp_path) == []


def test_delete_database_with_a_connection_open_names_the_database_and_its_handles(walsafe_db_path):
    sqlite_scenarios.make_wal_database(walsafe_db_path)
    still_open = sqlite3.connect(walsafe_db_path)
    still_open.execute("SELECT count(*) FROM t").fetchone()
    conn = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError) as raised:
        conn.execute("SELECT walsafe_delete_database(?, 100)", (walsafe_db_path,))
    assert raised.value.sqlite_errorname == "SQLITE_BUSY"
    message = str(raised.value)
    assert "nothing deleted" in message
    assert os.path.realpath(walsafe_db_path) in message
    assert "2 handle(s) open in this process (main=1 wal=1 journal=0 shm=1)" in message
    assert files_on_disk(walsafe_db_path) == ["", "-wal", "-shm"]
    still_open.close()
    assert conn.execute("SELECT walsafe_delete_database(?)", (walsafe_db_path,)).fetchone()[0] == 1
    conn.close()
    assert files_on_disk(walsafe_db_path) == []


def test_delete_database_of_a_missing_database_is_sqlite_notfound(tmp_path):
    with pytest.raises(sqlite3.InternalError, match="no such database") as raised:
        delete_database(str(tmp_path / "never-created.db"))
    assert raised.value.sqlite_errorname == "SQLITE_NOTFOUND"


def test_connect_and_close_without_a_statement_leaves_an_empty_file_walsafe_counts_and_deletes(walsafe_db_path):
    # The commonest test-suite database: opened, never written. SQLite
    # creates it with zero bytes, and its xAccess calls such a file absent.
    sqlite3.connect(walsafe_db_path).close()
    assert os.path.getsize(walsafe_db_path) == 0
    assert handle_count(walsafe_db_path) == 0
    assert delete_database(walsafe_db_path) == 1
    assert files_on_disk(walsafe_db_path) == []


def test_delete_database_removes_the_empty_journal_of_journal_mode_truncate(walsafe_db_path):
    conn = sqlite3.connect(walsafe_db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=TRUNCATE")
    conn.execute("CREATE TABLE t(x)")
    conn.close()
    assert files_on_disk(walsafe_db_path) == ["", "-journal"]
    assert os.path.getsize(walsafe_db_path + "-journal") == 0
    assert delete_database(walsafe_db_path) == 1
    assert files_on_disk(walsafe_db_path) == []


def test_handle_count_follows_connections_opened_and_closed(walsafe_db_path):
    sqlite_scenarios.make_wal_database(walsafe_db_path)
    assert handle_count(walsafe_db_path) == 0
    first = sqlite3.connect(walsafe_db_path)
    first.execute("SELECT 1 FROM t").fetchall()
    second = sqlite3.connect(walsafe_db_path)
    second.execute("SELECT 1 FROM t").fetchall()
    assert handle_count(walsafe_db_path) == 4
    first.close()
    assert handle_count(walsafe_db_path) == 2
    second.close()
    assert handle_count(walsafe_db_path) == 0
