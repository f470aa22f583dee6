"""The walsafe_db_path fixture, run in inner pytest sessions (pytester, in a
subprocess each, so a leaked connection dies with its process)."""
import os
import sqlite3
import types

import pytest

from walsafe_fixture import WalsafeUnavailable, load_walsafe

HERE = os.path.dirname(os.path.abspath(__file__))

INNER_CONFTEST = f"""
import sys
sys.path.insert(0, {HERE!r})
pytest_plugins = ["walsafe_fixture"]
"""


@pytest.fixture
def inner(pytester):
    pytester.makeconftest(INNER_CONFTEST)
    return pytester


def recorded_db_path(pytester):
    # Each inner test writes the path it was given to db_path.txt.
    return (pytester.path / "db_path.txt").read_text()


def test_fixture_passes_and_leaves_nothing_when_the_test_closes_its_connections(inner):
    inner.makepyfile(
        """
        import sqlite3

        def test_writes_in_wal_mode(walsafe_db_path):
            open("db_path.txt", "w").write(walsafe_db_path)
            conn = sqlite3.connect(walsafe_db_path)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE t(x)")
            conn.commit()
            conn.close()
        """
    )
    result = inner.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    db_path = recorded_db_path(inner)
    assert os.listdir(os.path.dirname(db_path)) == []


def test_fixture_removes_side_files_a_process_without_walsafe_left(inner):
    scenarios = os.path.join(HERE, "sqlite_scenarios.py")
    inner.makepyfile(
        f"""
        import os, subprocess, sys

        def test_leaves_wal_and_shm_from_another_process(walsafe_db_path):
            open("db_path.txt", "w").write(walsafe_db_path)
            env = {{k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}}
            subprocess.run([sys.executable, {scenarios!r}, "read-only-last-closer", walsafe_db_path],
                           check=True, capture_output=True, env=env)
            assert os.path.exists(walsafe_db_path + "-wal")
        """
    )
    result = inner.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert os.listdir(os.path.dirname(recorded_db_path(inner))) == []


def test_fixture_fails_and_deletes_nothing_when_a_connection_is_leaked(inner):
    inner.makepyfile(
        """
        import sqlite3

        leaked = []

        def test_forgets_to_close(walsafe_db_path):
            open("db_path.txt", "w").write(walsafe_db_path)
            conn = sqlite3.connect(walsafe_db_path)
            conn.execute("CREATE TABLE t(x)")
            conn.commit()
            leaked.append(conn)
        """
    )
    result = inner.runpytest_subprocess()
    result.assert_outcomes(passed=1, errors=1)
    db_path = recorded_db_path(inner)
    output = result.stdout.str()
    assert f"walsafe_db_path: the test left 1 handle(s) open on {db_path}" in output
    assert "nothing deleted" in output and "main handle (read-write) open for" in output
    assert os.path.exists(db_path)  # not deleted from under the open connection


def test_load_walsafe_names_a_python_whose_sqlite3_cannot_load_extensions():
    # What pyenv's and python.org's macOS builds look like: no
    # enable_load_extension on Connection.
    no_extensions = types.SimpleNamespace(
        Connection=type("Connection", (), {}), sqlite_version=sqlite3.sqlite_version, connect=sqlite3.connect
    )
    with pytest.raises(WalsafeUnavailable, match="without loadable-extension support.*enable_load_extension"):
        load_walsafe(sqlite_module=no_extensions)
