"""The WALSAFE_AUTOLOAD start-up hook.

The wheel installs ``walsafe-autoload.pth`` into site-packages. Python runs
its one line at every start-up; it only compares an environment variable,
and imports this module when ``WALSAFE_AUTOLOAD=1``. Then walsafe is loaded
before the program's first line runs, so an application or a test suite
nobody may edit gets walsafe's cleanup with plain ``sqlite3.connect()``.
Subprocesses inherit the variable, and so the hook.

Never raises: an interpreter that cannot load extensions (or any other
failure) gets one line on stderr saying why, and runs on without walsafe.
Not run under ``python -S`` or ``-I`` (no site-packages ``.pth`` processing).
"""
import sys


def _autoload():
    try:
        import walsafe

        walsafe.load()
    except Exception as error:  # a start-up hook must never stop the interpreter
        sys.stderr.write(f"walsafe: WALSAFE_AUTOLOAD=1 but walsafe is not loaded: {error}\n")


_autoload()
