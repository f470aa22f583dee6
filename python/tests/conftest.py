"""Tests of the installed walsafe wheel (scripts/run-python-package-tests.sh
runs them in a fresh venv where only the wheel provides walsafe)."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NO_EXTENSIONS = os.path.join(HERE, "fake_no_extensions")


def clean_env(**extra):
    """The environment for a child interpreter: no autoload, preload or
    pytest settings inherited, plus extra."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("WALSAFE_AUTOLOAD", "LD_PRELOAD", "PYTEST_ADDOPTS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTHONPATH")}
    env.update(extra)
    return env


def run_python(code, cwd=None, **env):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=clean_env(**env))


@pytest.fixture
def dist_dir():
    path = os.environ.get("WALSAFE_DIST", os.path.join(REPO, "dist"))
    if not os.path.isdir(path):
        pytest.fail(f"no wheels in {path}: run scripts/build-packages.sh")
    return path
