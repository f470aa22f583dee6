"""A stand-in for the sqlite3 module of a Python built without
--enable-loadable-sqlite-extensions (pyenv's default build, python.org's
macOS installer): the real C module, whose Connection class has no
enable_load_extension. Put this directory first on PYTHONPATH to get such an
interpreter (the tests of walsafe.load() and of the WALSAFE_AUTOLOAD hook)."""
from _sqlite3 import *  # noqa: F401,F403  (the real module)
import _sqlite3


class Connection:
    """What such a build's Connection lacks: enable_load_extension."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("test stand-in")
