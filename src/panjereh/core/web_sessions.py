"""Database sessions of the web server's processes: planned without parallel workers.

PostgreSQL plans a dense map tile's scan (and other mid-sized statements) with a parallel worker; starting one
for a request cost a tile five to eight times its serial time on 300,000 parcels (p50 3.2 → 24–27 ms, p95
11.5 → 72–76 ms; bench/bench_peers.py), and under many requests the workers only queue for the same cores.
A web server answers many short requests at once, where parallel plans lose; the city's large runs — the
consistency check, the reports, the benchmarks' references — run in commands and the worker, which keep them.
So only ``panjereh.wsgi`` turns them off, once per new connection (no round trip per request)."""

from django.db.backends.signals import connection_created


def _serial_plans(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")


def plan_without_parallel_workers() -> None:
    """Every database connection this process opens from now on plans without parallel workers."""
    connection_created.connect(_serial_plans, dispatch_uid="panjereh-web-serial-plans")
