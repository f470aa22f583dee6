from sqlite3 import *  # noqa: F401,F403
