"""Bulk writes: one parameterised statement, executed in chunks, with progress reports."""

import json
import weakref
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.db import connection, transaction

_passthrough = weakref.WeakKeyDictionary()  # psycopg connection → type names whose bytes it sends as they are
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one encoder: json.dumps(…, kwargs) makes one a call


def execute_in_chunks(sql: str, rows: Iterable[tuple], *, chunk: int = 2000,
                      progress: Callable[[int], object] | None = None) -> int:
    """Run ``sql`` once per row with ``executemany`` in chunks; report each chunk to ``progress``; return the count."""
    done = 0
    with connection.cursor() as cursor:
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= chunk:
                cursor.executemany(sql, batch)
                done += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            done += len(batch)
            if progress:
                progress(len(batch))
    return done


def pass_bytes_as(type_name: str) -> None:
    """PostgreSQL only: in a binary COPY, send ``bytes`` values as they are for columns of ``type_name`` (a
    type whose binary input reads them: PostGIS's geometry reads WKB). Registered once per connection."""
    from psycopg.adapt import Dumper
    from psycopg.pq import Format
    from psycopg.types import TypeInfo

    connection.ensure_connection()
    raw = connection.connection
    done = _passthrough.setdefault(raw, set())
    if type_name in done:
        return
    info = TypeInfo.fetch(raw, type_name)

    class Passthrough(Dumper):
        format = Format.BINARY
        oid = info.oid

        def dump(self, obj):
            return obj

    raw.adapters.register_dumper(None, Passthrough)  # by type only: used where a COPY names the column's type
    done.add(type_name)


def jsonb_binary(values: Iterable) -> list:
    """PostgreSQL only: each value (a dict or list; None stays NULL) in jsonb's binary input form — a version byte,
    then the JSON text in UTF-8 — for a binary COPY through :func:`pass_bytes_as` ("jsonb").

    psycopg's own jsonb dumper calls ``json.dumps`` and wraps it, row by row: at 126,000 features that was a fifth
    of an import's Python time. Here one encoder writes them all (Persian as UTF-8, not ``\\u`` escapes, which
    jsonb would decode again)."""
    empty = b"\x01{}"  # most features have no attributes of their own
    return [None if v is None else empty if v == {} else b"\x01" + _JSON.encode(v).encode() for v in values]


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple], *, types: list[str] | None = None,
              chunk: int = 5000, progress: Callable[[int], object] | None = None) -> int:
    """PostgreSQL only: load rows with COPY, the way ogr2ogr does (an order of magnitude faster than INSERT).

    Values are adapted by psycopg. Given ``types`` (a PostgreSQL type name per column), the COPY is binary:
    nothing is written out as text to be parsed again (a geometry goes as WKB bytes, see pass_bytes_as);
    without, a geometry is given as hex EWKB text, which PostGIS reads on input.
    """
    done = 0
    binary = " (FORMAT BINARY)" if types else ""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN{binary}") as copy:
            if types:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)
                done += 1
                if progress and done % chunk == 0:
                    progress(chunk)
    if progress and done % chunk:
        progress(done % chunk)
    return done


@contextmanager
def spatialite_index_at_end(table: str, column: str):
    """SpatiaLite only (elsewhere a no-op): rows inserted into ``table`` inside the block enter the spatial index
    of ``column`` in one statement at its end, instead of one row at a time.

    SpatiaLite keeps its R*Tree up by a trigger per inserted row (``gii_<table>_<column>``) and stamps
    ``geometry_columns_time`` by another (``tmi_…``): at 126,000 lines into a city of two million features they
    were two thirds of an import. Inside a savepoint, those two triggers are dropped, the block runs, the new
    rows' boxes go into the index in one INSERT … SELECT (SQLite's R*Tree rounds a box's floats outward, so each
    box still holds its geometry), the time is stamped once, and the triggers are created again from the text
    SpatiaLite wrote. SQLite's schema changes are transactional and the block holds the database's only write
    lock, so no other connection ever writes to the table without the triggers, and readers see the schema as it
    was until the commit; an error anywhere rolls the savepoint back, triggers included. The geometry
    constraint trigger (type and SRID of each row) stays. Deletes and updates keep their own triggers."""
    if connection.vendor != "sqlite":
        yield
        return
    names = {f"gii_{table}_{column}": "index", f"tmi_{table}_{column}": "time"}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                           "AND name IN (%s, %s)", [table, *names])
            triggers = {names[name]: (name, sql) for name, sql in cursor.fetchall()}
            if "index" not in triggers:  # no spatial index on this column: nothing to defer
                yield
                return
            cursor.execute(f'SELECT COALESCE(MAX(rowid), 0) FROM "{table}"')
            before = cursor.fetchone()[0]  # rowids only grow: what is above this was inserted in the block
            for name, _sql in triggers.values():
                cursor.execute(f'DROP TRIGGER "{name}"')
        yield
        with connection.cursor() as cursor:
            g = f'"{column}"'
            cursor.execute(f'INSERT INTO "idx_{table}_{column}" (pkid, xmin, xmax, ymin, ymax) '
                           f"SELECT rowid, MbrMinX({g}), MbrMaxX({g}), MbrMinY({g}), MbrMaxY({g}) FROM \"{table}\" "
                           f"WHERE rowid > %s AND MbrMinX({g}) IS NOT NULL", [before])
            if "time" in triggers:  # what the dropped trigger wrote after each row, written once
                cursor.execute("UPDATE geometry_columns_time SET last_insert = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', "
                               "'now') WHERE Lower(f_table_name) = Lower(%s) AND Lower(f_geometry_column) = Lower(%s)",
                               [table, column])
            for _name, sql in triggers.values():
                cursor.execute(sql)
