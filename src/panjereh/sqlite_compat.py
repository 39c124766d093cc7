"""Make SpatiaLite loadable whatever Python build runs Panjereh.

Some Python builds (pyenv's default among them) compile the ``sqlite3`` module
without extension loading, so ``mod_spatialite`` cannot be loaded. When that is
the case and ``pysqlite3`` (from the ``pysqlite3-binary`` wheel) is installed,
it takes the place of ``sqlite3`` before Django imports it.
"""

import sqlite3
import sys


def sqlite_can_load_extensions(module=sqlite3) -> bool:
    """Return True when this sqlite3 module can load extensions such as mod_spatialite."""
    conn = module.connect(":memory:")
    try:
        return hasattr(conn, "enable_load_extension")
    finally:
        conn.close()


def ensure_loadable_sqlite() -> str:
    """Swap in pysqlite3 when the stock module cannot load extensions.

    Returns a one-line description of what was done, for ``panjereh doctor``.
    """
    if sqlite_can_load_extensions():
        return "stock sqlite3 module (extension loading available)"
    try:
        import pysqlite3.dbapi2 as replacement  # type: ignore[import-not-found]
    except ImportError:
        return ("stock sqlite3 cannot load extensions and pysqlite3-binary is not installed: "
                "pip install pysqlite3-binary, or use a Python built with extension loading")
    sys.modules["sqlite3"] = replacement
    sys.modules["sqlite3.dbapi2"] = replacement
    return "pysqlite3-binary in place of sqlite3 (this Python's sqlite3 cannot load extensions)"


SQLITE_MODE = ensure_loadable_sqlite()
