"""libwalsafe_preload.so under an unmodified /usr/bin/python3 script
(sqlite_scenarios.py never loads anything): walsafe must be under it."""
import json
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PRELOAD = os.environ.get("WALSAFE_PRELOAD")
PYTHON = "/usr/bin/python3"  # the system Python, linked to the system libsqlite3

pytestmark = pytest.mark.skipif(
    not PRELOAD, reason="WALSAFE_PRELOAD is not set (ctest sets it where preload/ builds: Linux, no sanitizers)"
)


def run_scenario(db_path, **env_vars):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALSAFE_")}
    env.update(LD_PRELOAD=PRELOAD, **env_vars)
    run = subprocess.run(
        [PYTHON, os.path.join(HERE, "sqlite_scenarios.py"), "read-only-last-closer", db_path],
        capture_output=True, text=True, env=env, check=True,
    )
    return json.loads(run.stdout), run.stderr


def test_unmodified_python_script_runs_on_walsafe_and_its_read_only_last_close_leaves_nothing(tmp_path):
    db_path = str(tmp_path / "app.db")
    report, stderr = run_scenario(db_path)
    assert report["walsafe_status"].startswith(f"vfs=walsafe/unix\ndatabase={os.path.realpath(db_path)}\n")
    assert report["handle_count"] == 4  # the SQL functions are there too
    assert report["rows"] == 2
    assert report["left_on_disk"] == []
    assert stderr == ""


def test_walsafe_disable_1_leaves_the_program_on_its_usual_vfs(tmp_path):
    report, _ = run_scenario(str(tmp_path / "app.db"), WALSAFE_DISABLE="1")
    assert report["walsafe_status"] is None and report["handle_count"] is None
    assert report["left_on_disk"] == ["-wal", "-shm"]


def test_walsafe_retry_ms_sets_the_retry_budget(tmp_path):
    report, _ = run_scenario(str(tmp_path / "app.db"), WALSAFE_RETRY_MS="250")
    assert "\nretry_ms=250\n" in report["walsafe_status"]


def test_a_bad_walsafe_retry_ms_is_reported_and_the_default_kept(tmp_path):
    report, stderr = run_scenario(str(tmp_path / "app.db"), WALSAFE_RETRY_MS="soon")
    assert "walsafe preload: ignoring WALSAFE_RETRY_MS=soon (not an integer in 0..600000)" in stderr
    assert "\nretry_ms=3000\n" in report["walsafe_status"]
    assert report["left_on_disk"] == []
