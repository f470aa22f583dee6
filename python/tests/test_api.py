"""The walsafe package's API, on the installed wheel, against real SQLite
(this venv's /usr/bin/python3 sqlite3 module) and real files."""
import os
import sqlite3
import sys
import sysconfig

import pytest

import walsafe
from conftest import NO_EXTENSIONS, run_python


def test_the_installed_wheel_is_what_is_tested():
    site = sysconfig.get_paths()["platlib"]
    assert os.path.dirname(os.path.dirname(walsafe.__file__)) == site
    assert sys.prefix != sys.base_prefix  # a venv


def test_loadable_path_is_the_binary_in_the_package():
    path = walsafe.loadable_path()
    assert path == os.path.join(os.path.dirname(walsafe.__file__), "libwalsafe.so")
    with open(path, "rb") as f:
        assert f.read(4) == b"\x7fELF"


def test_load_makes_plain_connect_go_through_walsafe_and_is_idempotent(tmp_path):
    # A fresh interpreter, so nothing else has loaded walsafe yet.
    db = str(tmp_path / "a.db")
    out = run_python(
        "import sqlite3, walsafe\n"
        f"before = sqlite3.connect({db!r})\n"
        "assert before.execute('PRAGMA walsafe_status').fetchone() is None\n"
        "assert not walsafe.is_loaded()\n"
        "first = walsafe.load(); second = walsafe.load()\n"
        "assert first == second == walsafe.loadable_path(), (first, second)\n"
        f"conn = sqlite3.connect({db!r})\n"
        "print(conn.execute('PRAGMA walsafe_status').fetchone()[0].splitlines()[0])\n"
        f"print(conn.execute('SELECT walsafe_handle_count(?)', ({db!r},)).fetchone()[0])\n"
        "conn.close(); before.close()\n"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["vfs=walsafe/unix", "1"]


def test_load_with_a_connection_opened_before_raises_not_protected(tmp_path):
    db = str(tmp_path / "early.db")
    out = run_python(
        "import sqlite3, walsafe\n"
        f"early = sqlite3.connect({db!r}); early.execute('CREATE TABLE t(x)')\n"
        "try:\n"
        "    walsafe.load(early)\n"
        "except walsafe.NotProtected as e:\n"
        "    print('raised', e.paths)\n"
        "    print(e)\n"
        "assert walsafe.is_loaded()  # loaded for later connections all the same\n"
        "memory = sqlite3.connect(':memory:')\n"
        "walsafe.load(memory)  # nothing to protect; it gains the SQL functions\n"
        "print(memory.execute(\"SELECT walsafe_config('cleanup')\").fetchone()[0])\n"
        f"later = sqlite3.connect({db!r})\n"
        "walsafe.load(later)  # opened after: passes\n"
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == f"raised [{db!r}]"
    assert "stays on the native VFS" in lines[1] and "close it and open it again" in lines[1]
    assert lines[2] == "auto"


def test_load_names_the_interpreter_when_its_sqlite3_cannot_load_extensions():
    out = run_python(
        "import walsafe\n"
        "try:\n"
        "    walsafe.load()\n"
        "except walsafe.Unavailable as e:\n"
        "    print(e)\n",
        PYTHONPATH=NO_EXTENSIONS,
    )
    assert out.returncode == 0, out.stderr
    assert sys.executable in out.stdout
    assert "built without loadable-extension support" in out.stdout


def test_connect_is_wal_and_closes_on_exit_leaving_no_side_files(tmp_path):
    db = str(tmp_path / "c.db")
    with walsafe.connect(db) as conn:
        assert isinstance(conn, sqlite3.Connection)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.execute("CREATE TABLE t(x)")
        conn.execute("INSERT INTO t VALUES (42)")
        assert walsafe.handle_count(db) == 2  # main + -wal
        assert walsafe.status(conn)["vfs"] == "walsafe/unix"
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")  # closed
    assert walsafe.handle_count(db) == 0
    assert sorted(os.listdir(tmp_path)) == ["c.db"]  # no -wal, no -shm
    check = sqlite3.connect(db)
    assert check.execute("SELECT x FROM t").fetchall() == [(42,)]  # committed
    check.close()


def test_connect_rolls_back_and_closes_on_an_exception(tmp_path):
    db = str(tmp_path / "r.db")
    with walsafe.connect(db) as conn:
        conn.execute("CREATE TABLE t(x)")
    with pytest.raises(RuntimeError):
        with walsafe.connect(db, wal=False) as conn:
            conn.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("boom")
    assert walsafe.handle_count(db) == 0
    with walsafe.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_connect_refuses_a_uri_that_names_another_vfs(tmp_path):
    db = str(tmp_path / "u.db")
    with pytest.raises(walsafe.NotProtected) as raised:
        walsafe.connect(f"file:{db}?vfs=unix", uri=True)
    assert raised.value.paths == [db]
    assert walsafe.handle_count(db) == 0  # closed again


def test_delete_database_with_a_connection_open_raises_database_in_use(tmp_path):
    db = str(tmp_path / "d.db")
    conn = walsafe.connect(db)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    with pytest.raises(PermissionError) as raised:  # existing except PermissionError code keeps working
        walsafe.delete_database(db, timeout=0.05)
    assert isinstance(raised.value, walsafe.DatabaseInUse)
    assert raised.value.path == db
    message = str(raised.value)
    assert message == raised.value.report
    assert message.startswith(f"walsafe_delete_database: nothing deleted: {os.path.realpath(db)}: 2 handle(s)")
    assert "main handle (read-write) open for" in message
    assert os.path.exists(db) and os.path.exists(db + "-wal")  # nothing deleted
    conn.close()
    assert walsafe.delete_database(db) is True
    assert os.listdir(tmp_path) == []


def test_delete_database_of_a_missing_database(tmp_path):
    db = str(tmp_path / "never.db")
    assert walsafe.delete_database(db) is False
    with pytest.raises(FileNotFoundError):
        walsafe.delete_database(db, missing_ok=False)


def test_delete_database_removes_side_files_another_process_left(tmp_path):
    db = str(tmp_path / "left.db")
    # A process without walsafe: a read-only last closer leaves -wal and -shm.
    out = run_python(
        "import sqlite3\n"
        f"w = sqlite3.connect({db!r}); w.execute('PRAGMA journal_mode=WAL'); w.execute('CREATE TABLE t(x)'); w.commit()\n"
        f"r = sqlite3.connect('file:{db}?mode=ro', uri=True); r.execute('SELECT * FROM t').fetchall()\n"
        "w.execute('INSERT INTO t VALUES (1)'); w.commit(); w.close(); r.close()\n"
    )
    assert out.returncode == 0, out.stderr
    assert sorted(os.listdir(tmp_path)) == ["left.db", "left.db-shm", "left.db-wal"]
    assert walsafe.delete_database(db) is True
    assert os.listdir(tmp_path) == []


def test_delete_database_sees_a_connection_outside_walsafe(tmp_path):
    # A file descriptor this process holds on the database outside walsafe
    # (here: a plain open()) blocks the delete on Linux.
    db = str(tmp_path / "outside.db")
    with walsafe.connect(db) as conn:
        conn.execute("CREATE TABLE t(x)")
    with open(db, "rb"):
        with pytest.raises(walsafe.DatabaseInUse) as raised:
            walsafe.delete_database(db, timeout=0)
    assert "outside walsafe" in str(raised.value)
    assert os.path.exists(db)
    assert walsafe.delete_database(db) is True


def test_delete_database_refuses_a_side_file_path(tmp_path):
    with pytest.raises(ValueError):
        walsafe.delete_database(str(tmp_path / "x.db-wal"))


def test_handle_count_is_zero_for_a_missing_file(tmp_path):
    assert walsafe.handle_count(str(tmp_path / "missing.db")) == 0


def test_configure_sets_process_wide_options_and_returns_the_old_ones(tmp_path):
    before = walsafe.configure()
    try:
        assert walsafe.configure(retry_ms=250, cleanup="off") == before
        assert walsafe.configure() == {"retry_ms": 250, "cleanup": "off"}
        db = str(tmp_path / "cfg.db")
        conn = walsafe.connect(db)
        status = walsafe.status(conn)
        assert (status["retry_ms"], status["cleanup"]) == (250, "off")
        reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        reader.execute("SELECT * FROM sqlite_master").fetchall()
        conn.execute("CREATE TABLE t(x)")
        conn.commit()
        conn.close()
        reader.close()
        # cleanup=off: the read-only last closer leaves -wal and -shm, as without walsafe
        assert sorted(os.listdir(tmp_path)) == ["cfg.db", "cfg.db-shm", "cfg.db-wal"]
    finally:
        walsafe.configure(**before)
    with pytest.raises(ValueError):
        walsafe.configure(retry_ms=600001)
    with pytest.raises(ValueError):
        walsafe.configure(cleanup="sometimes")
    assert walsafe.configure() == before


def test_open_databases_and_status_list_what_is_open(tmp_path):
    db = str(tmp_path / "o.db")
    conn = walsafe.connect(db)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    mine = [d for d in walsafe.open_databases() if d["path"] == os.path.realpath(db)]
    assert len(mine) == 1
    entry = mine[0]
    assert (entry["handles"], entry["main"], entry["wal"], entry["shm"]) == (2, 1, 1, 1)
    assert sorted(f["kind"] for f in entry["files"]) == ["main", "wal"]
    assert all(f["open_ms"] >= 0 and f["mode"] == "read-write" for f in entry["files"])
    process = walsafe.status()
    assert process["databases_open"] >= 1 and process["files_open"] >= 2
    assert any(d["path"] == os.path.realpath(db) for d in process["open_databases"])
    per_db = walsafe.status(conn)
    assert per_db["database"] == os.path.realpath(db)
    assert (per_db["handles"], per_db["pending_deletes"]) == (2, [])
    assert isinstance(per_db["cleanups_done"], int)
    conn.close()
    assert all(d["path"] != os.path.realpath(db) for d in walsafe.open_databases())


def test_status_of_a_connection_not_on_walsafe_raises():
    with pytest.raises(walsafe.NotProtected):
        walsafe.status(sqlite3.connect(":memory:"))
