"""The pytest plugin as a user gets it: installed by the wheel, with no
configuration, run as a separate pytest process on a small test file."""
import os
import subprocess
import sys
import textwrap

from conftest import clean_env


def run_inner(tmp_path, test_source, ini="", *args):
    """Run pytest in tmp_path on test_inner.py; returns (returncode, output)."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n" + ini)
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(test_source))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "test_inner.py", *args],
        cwd=tmp_path, capture_output=True, text=True, env=clean_env(),
    )
    return run.returncode, run.stdout + run.stderr


def line_of(source, needle):
    """1-based line number of the line of textwrap.dedent(source) holding needle."""
    for number, line in enumerate(textwrap.dedent(source).splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


CLEAN = """
    import os, sqlite3

    def test_closes_its_connections(walsafe_db):
        open("db_path.txt", "w").write(walsafe_db)
        conn = sqlite3.connect(walsafe_db)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t(x)")
        conn.commit()
        assert conn.execute("PRAGMA walsafe_status").fetchone()[0].startswith("vfs=walsafe/")
        reader = sqlite3.connect(walsafe_db)
        reader.execute("SELECT * FROM t").fetchall()
        reader.close()
        conn.close()
    """

LEAKY = """
    import sqlite3

    leaked = []

    def helper(path):
        return sqlite3.connect(path)  # the line that opens it

    def test_forgets_to_close(walsafe_db):
        open("db_path.txt", "w").write(walsafe_db)
        conn = sqlite3.connect(walsafe_db)  # leaked here
        conn.execute("CREATE TABLE t(x)")
        conn.commit()
        leaked.append(conn)
        leaked.append(helper(walsafe_db))
    """


def test_plugin_is_registered_with_no_configuration(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--fixtures"],
                         cwd=tmp_path, capture_output=True, text=True, env=clean_env())
    assert "walsafe_db" in run.stdout
    assert "walsafe.pytest_plugin" in run.stdout or "walsafe" in run.stdout


def test_a_clean_test_passes_and_leaves_nothing_on_disk(tmp_path):
    code, output = run_inner(tmp_path, CLEAN)
    assert code == 0, output
    assert "1 passed" in output
    db_path = (tmp_path / "db_path.txt").read_text()
    assert os.listdir(os.path.dirname(db_path)) == []
    assert "databases still open" not in output


def test_a_leaky_test_fails_naming_the_lines_that_opened_the_connections(tmp_path):
    code, output = run_inner(tmp_path, LEAKY)
    assert code == 1, output
    assert "1 passed, 1 error" in output
    db_path = (tmp_path / "db_path.txt").read_text()
    test_file = str(tmp_path / "test_inner.py")
    assert f"walsafe_db: the test left 2 handle(s) open on {db_path}: close every connection it opened." in output
    direct = line_of(LEAKY, "# leaked here")
    via_helper = line_of(LEAKY, "# the line that opens it")
    assert f"connection opened at {test_file}:{direct} (in test_forgets_to_close)" in output
    assert f"connection opened at {test_file}:{via_helper} (in helper)" in output
    assert f"called from {test_file}:{line_of(LEAKY, 'leaked.append(helper(')} (in test_forgets_to_close)" in output
    # walsafe's report, and nothing deleted from under the open connections
    assert f"walsafe: walsafe_delete_database: nothing deleted: {os.path.realpath(db_path)}: 2 handle(s)" in output
    assert "main handle (read-write) open for" in output
    assert os.path.exists(db_path)
    # the session-end summary names the database still open and where
    assert "walsafe: databases still open at the end of the session" in output
    assert f"{os.path.realpath(db_path)}: 2 handle(s) (main=2 wal=0 journal=0 shm=0)" in output


def test_walsafe_leaks_warn_turns_the_failure_into_a_warning(tmp_path):
    code, output = run_inner(tmp_path, LEAKY, "walsafe_leaks = warn\n")
    assert code == 0, output
    assert "1 passed, 1 warning" in output
    assert "WalsafeLeakWarning" in output
    assert f"connection opened at {tmp_path / 'test_inner.py'}:{line_of(LEAKY, '# leaked here')}" in output


def test_a_bad_walsafe_leaks_value_is_a_usage_error(tmp_path):
    code, output = run_inner(tmp_path, CLEAN, "walsafe_leaks = sometimes\n")
    assert code == 4, output  # pytest's usage error
    assert "walsafe_leaks must be one of fail, warn" in output


def test_session_summary_lists_a_database_left_open_outside_the_fixture(tmp_path):
    db = str(tmp_path / "global.db")
    source = f"""
    import walsafe

    KEEP = []

    def test_opens_and_keeps():
        KEEP.append(walsafe.connect({db!r}))  # kept open
        KEEP[0].execute("CREATE TABLE t(x)")
        KEEP[0].commit()
    """
    code, output = run_inner(tmp_path, source)
    assert code == 0, output
    assert "walsafe: databases still open at the end of the session" in output
    assert f"{db}: 2 handle(s) (main=1 wal=1 journal=0 shm=1)" in output
    assert f"connection opened at {tmp_path / 'test_inner.py'}:{line_of(source, '# kept open')} (in test_opens_and_keeps)" in output


def test_a_database_held_by_another_process_fails_the_teardown(tmp_path):
    # A second process keeps the database open (and locked, mid-read) across
    # the teardown: walsafe's delete refuses and says so.
    source = """
    import subprocess, sys, sqlite3

    def test_child_holds_it(walsafe_db):
        conn = sqlite3.connect(walsafe_db)
        conn.execute("CREATE TABLE t(x)"); conn.commit(); conn.close()
        child = subprocess.Popen([sys.executable, "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('BEGIN IMMEDIATE');"
            "print('held', flush=True); sys.stdin.read()", walsafe_db],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline() == "held\\n"
        HOLD.append(child)

    HOLD = []

    def test_release():
        HOLD[0].stdin.close(); HOLD[0].wait()
    """
    code, output = run_inner(tmp_path, source)
    assert code == 1, output
    assert "walsafe_db: cannot delete" in output
    assert "walsafe: walsafe_delete_database" in output
