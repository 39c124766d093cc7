"""Bulk writes: one parameterised statement, executed in chunks, with progress reports."""

import weakref
from collections.abc import Callable, Iterable

from django.db import connection

_passthrough = weakref.WeakKeyDictionary()  # psycopg connection → type names whose bytes it sends as they are


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
