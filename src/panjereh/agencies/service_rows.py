"""Every service with its agency, read with one plain statement, for the checks asked on every request.

A feasibility check over the API reads the city's services on each call. Through the ORM
(``Service.objects.select_related("agency")``) building the query and its objects cost 0.8 ms on SpatiaLite, a
quarter of the map's spatial statement beside it. The objects here are the same models, built the way the ORM
builds them (``Model.from_db``, each column through its field's and the database's converters), so whatever takes a
:class:`Service` takes these.
"""

from django.db import connections

from panjereh.agencies.models import Agency, Service

# {database alias: (SQL, converters, the two models' attribute names)}: what depends only on the models and the
# database's backend, worked out at the first call of each process.
_PLANS: dict = {}


def _plan(connection):
    """The statement and, for each column, the functions Django's compiler would pass its value through."""
    service_fields, agency_fields = Service._meta.concrete_fields, Agency._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = [f"s.{quote(f.column)}" for f in service_fields] + [f"a.{quote(f.column)}" for f in agency_fields]
    sql = (f"SELECT {', '.join(columns)} FROM {Service._meta.db_table} s "
           f"JOIN {Agency._meta.db_table} a ON a.id = s.agency_id ORDER BY s.code")
    converters = []
    for index, field in enumerate([*service_fields, *agency_fields]):
        col = field.get_col(field.model._meta.db_table)
        functions = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if functions:
            converters.append((index, col, functions))
    return (sql, converters, [f.attname for f in service_fields], [f.attname for f in agency_fields])


def services_with_agencies(using: str = "default") -> list[Service]:
    """Every service, ordered by code, each with its agency loaded (as ``select_related("agency")`` returns)."""
    connection = connections[using]
    if using not in _PLANS:
        _PLANS[using] = _plan(connection)
    sql, converters, service_names, agency_names = _PLANS[using]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    out = []
    split = len(service_names)
    for row in rows:
        values = list(row)
        for index, col, functions in converters:
            for convert in functions:
                values[index] = convert(values[index], col, connection)
        service = Service.from_db(using, service_names, values[:split])
        service.agency = Agency.from_db(using, agency_names, values[split:])
        out.append(service)
    return out
