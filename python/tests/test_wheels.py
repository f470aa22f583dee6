"""The wheels as files: guards, pip's platform checks, and the Windows
wheel's DLL loaded from its installed layout under Wine."""
import glob
import os
import subprocess
import sys

import pytest

from conftest import REPO, clean_env


def wheel(dist_dir, platform):
    found = glob.glob(os.path.join(dist_dir, f"walsafe-*-py3-none-*{platform}*.whl"))
    assert len(found) == 1, found
    return found[0]


def pip(*args):
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, env=clean_env())


def test_wheel_guards_pass(dist_dir):
    # tags = binary architecture; glibc <= 2.17; DLL imports/exports
    run = subprocess.run([sys.executable, os.path.join(REPO, "python", "tools", "check_wheels.py"),
                          wheel(dist_dir, "manylinux"), wheel(dist_dir, "win_amd64")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "check_wheels: 0 failure(s)" in run.stdout
    for guard in ("needs glibc 2.17 <= 2.17", "imports only system DLLs: ['kernel32.dll', 'msvcrt.dll']",
                  "exports exactly ['sqlite3_walsafe_init']: ['sqlite3_walsafe_init']"):
        assert guard in run.stdout, guard


@pytest.mark.parametrize("platform, accepted", [
    ("win_amd64", True), ("manylinux_2_17_x86_64", False), ("manylinux2014_x86_64", False), ("win32", False),
])
def test_pip_takes_the_windows_wheel_only_for_win_amd64(dist_dir, tmp_path, platform, accepted):
    run = pip("install", "--no-index", "--no-deps", "--dry-run", "--only-binary=:all:", "--platform", platform,
              "--target", str(tmp_path / "t"), wheel(dist_dir, "win_amd64"))
    assert (run.returncode == 0) == accepted, run.stdout + run.stderr
    if not accepted:
        assert "is not a supported wheel on this platform" in run.stderr


@pytest.mark.parametrize("platform, accepted", [
    ("manylinux_2_17_x86_64", True), ("manylinux2014_x86_64", True),
    ("manylinux_2_17_aarch64", False), ("win_amd64", False),
])
def test_pip_takes_the_linux_wheel_only_for_linux_x86_64(dist_dir, tmp_path, platform, accepted):
    run = pip("install", "--no-index", "--no-deps", "--dry-run", "--only-binary=:all:", "--platform", platform,
              "--target", str(tmp_path / "t"), wheel(dist_dir, "manylinux"))
    assert (run.returncode == 0) == accepted, run.stdout + run.stderr


def test_windows_wheel_dll_loads_from_its_installed_layout_under_wine(dist_dir, tmp_path):
    loader = os.environ.get("WALSAFE_WINE_LOADER")
    if not loader:
        pytest.skip("WALSAFE_WINE_LOADER (load_walsafe.exe, built by scripts/run-python-package-tests.sh) not set")
    site = tmp_path / "site"
    run = pip("install", "--no-index", "--no-deps", "--only-binary=:all:", "--platform", "win_amd64",
              "--target", str(site), wheel(dist_dir, "win_amd64"))
    assert run.returncode == 0, run.stdout + run.stderr
    # Where walsafe.loadable_path() finds the DLL on Windows, computed by the
    # installed package's own code with sys.platform == "win32".
    where = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import walsafe; "
         "sys.platform = 'win32'; print(walsafe.loadable_path())", str(site)],
        capture_output=True, text=True, env=clean_env())
    assert where.returncode == 0, where.stderr
    dll = where.stdout.strip()
    assert dll == str(site / "walsafe" / "walsafe.dll")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    log = tmp_path / "wine.log"
    with open(log, "w") as out:  # a file, not a pipe, for Wine's stdout
        rc = subprocess.run([os.path.join(REPO, "scripts", "wine-run.sh"), loader, "Z:" + dll.replace("/", "\\"),
                             "Z:" + str(scratch).replace("/", "\\")],
                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=clean_env()).returncode
    text = log.read_text()
    assert rc == 0, text
    for line in ("ok default VFS is walsafe after loading", "ok vfs=walsafe/win32",
                 "ok walsafe_handle_count = 2", "ok no -wal or -shm after close",
                 "ok walsafe_delete_database with a connection open: walsafe_delete_database: nothing deleted:",
                 "ok walsafe_delete_database = 1, nothing left"):
        assert line in text, text
    assert os.listdir(scratch) == []
