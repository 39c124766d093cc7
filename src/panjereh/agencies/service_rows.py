"""Every service with its agency, read with one plain statement, for the checks asked on every request.

A feasibility check over the API reads the city's services on each call. Through the ORM
(``Service.objects.select_related("agency")``) building the query and its objects cost 0.7 ms on SpatiaLite, a
quarter of the map's spatial statement beside it; read here (:mod:`panjereh.core.plain_rows`), 0.2 ms, and the
objects are the ORM's own.
"""

import functools

from django.db import connections

from panjereh.agencies.models import Agency, Service
from panjereh.core.plain_rows import Columns

@functools.cache  # per database alias, at the first call of each process
def _plan(using: str):
    service, agency = Columns(Service, "s", using), Columns(Agency, "a", using)
    sql = (f"SELECT {service.sql}, {agency.sql} FROM {Service._meta.db_table} s "
           f"JOIN {Agency._meta.db_table} a ON a.id = s.agency_id ORDER BY s.code")
    return sql, service, agency


def services_with_agencies(using: str = "default") -> list[Service]:
    """Every service, ordered by code, each with its agency loaded (as ``select_related("agency")`` returns)."""
    sql, service_columns, agency_columns = _plan(using)
    with connections[using].cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    out = []
    for row in rows:
        service = service_columns.build(row)
        service.agency = agency_columns.build(row, service_columns.width)
        out.append(service)
    return out
