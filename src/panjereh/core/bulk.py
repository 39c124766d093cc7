"""Bulk writes: one parameterised statement, executed in chunks, with progress reports."""

from collections.abc import Callable, Iterable

from django.db import connection


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
