"""The WALSAFE_AUTOLOAD start-up hook (walsafe-autoload.pth in site-packages)."""
import os
import sysconfig

from conftest import NO_EXTENSIONS, run_python

PROBE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1] if len(sys.argv) > 1 else {db!r})
conn.execute("CREATE TABLE IF NOT EXISTS t(x)")
row = conn.execute("PRAGMA walsafe_status").fetchone()
print("status:", row[0].splitlines()[0] if row else None)
try:
    print("count:", conn.execute("SELECT walsafe_handle_count(?)", ({db!r},)).fetchone()[0])
except sqlite3.OperationalError as e:
    print("count:", e)
conn.close()
"""


def test_the_pth_hook_is_installed_in_site_packages():
    pth = os.path.join(sysconfig.get_paths()["purelib"], "walsafe-autoload.pth")
    assert open(pth).read().startswith("import os;")


def test_with_walsafe_autoload_1_plain_connect_goes_through_walsafe(tmp_path):
    db = str(tmp_path / "auto.db")
    out = run_python(PROBE.format(db=db), WALSAFE_AUTOLOAD="1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["status: vfs=walsafe/unix", "count: 1"]
    assert out.stderr == ""
    assert os.listdir(tmp_path) == ["auto.db"]


def test_without_it_plain_connect_stays_on_the_native_vfs(tmp_path):
    db = str(tmp_path / "plain.db")
    for env in ({}, {"WALSAFE_AUTOLOAD": "0"}, {"WALSAFE_AUTOLOAD": ""}):
        out = run_python(PROBE.format(db=db), **env)
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines() == ["status: None", "count: no such function: walsafe_handle_count"], env


def test_when_off_the_hook_imports_nothing():
    out = run_python("import sys; print(sorted(m for m in ('walsafe', 'sqlite3', '_sqlite3') if m in sys.modules))")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_an_interpreter_that_cannot_load_extensions_gets_one_warning_and_runs_on():
    out = run_python("print('the program ran')", WALSAFE_AUTOLOAD="1", PYTHONPATH=NO_EXTENSIONS)
    assert out.returncode == 0
    assert out.stdout == "the program ran\n"
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("walsafe: WALSAFE_AUTOLOAD=1 but walsafe is not loaded: walsafe cannot be loaded into")
    assert "built without loadable-extension support" in lines[0]


def test_subprocesses_inherit_the_hook(tmp_path):
    db = str(tmp_path / "child.db")
    code = ("import subprocess, sys; sys.exit(subprocess.run([sys.executable, '-c', "
            f"{PROBE.format(db=db)!r}]).returncode)")
    out = run_python(code, WALSAFE_AUTOLOAD="1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["status: vfs=walsafe/unix", "count: 1"]
