"""Row-level security by city on PostgreSQL (issue 28): the SQL a migration runs to put a table under the city
policy, and the session setting every connection carries. The kernel names no table; each app's migration names
its own. SpatiaLite (one city) has no such thing and needs none.

The policy lets a row through when the connection's ``panjereh.cities`` is ``*`` (every city) or lists the row's
city id. A connection that never set it sees no row at all: forgetting to scope fails closed. Every connection
Panjereh opens starts at ``*`` (``connection_created`` below) and each staff request narrows it to the user's cities
for its duration (``access.middleware``). The policy is FORCEd, so it binds the tables' owner too; PostgreSQL's
superusers pass it whatever it says, so a deployment connects as an ordinary role (docs/operations.md)."""

from django.db.backends.signals import connection_created

SETTING = "panjereh.cities"
POLICY = "panjereh_city"


def enable_sql(table: str, column: str = "city_id") -> str:
    """The statements that put ``table`` under the city policy."""
    setting = f"current_setting('{SETTING}', true)"
    return (f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY; ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY; '
            f"CREATE POLICY {POLICY} ON \"{table}\" USING (CASE WHEN {setting} = '*' THEN true "
            f"WHEN coalesce({setting}, '') IN ('', '-') THEN false "
            f"ELSE \"{column}\" = ANY (string_to_array({setting}, ',')::int[]) END);")


def disable_sql(table: str) -> str:
    return (f'DROP POLICY IF EXISTS {POLICY} ON "{table}"; ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY; '
            f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY;')


def run_on_postgres(sql_of):
    """A RunPython body that runs ``sql_of(table…)`` only on PostgreSQL."""
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql_of)
    return run


def set_cities(connection, value: str) -> None:
    """Scope ``connection`` to ``value`` (``*``, or city ids joined by commas) until it is set again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, value])


def _every_city(sender, connection, **kwargs):
    set_cities(connection, "*")


def install() -> None:
    """Start every new PostgreSQL connection at every city (commands, the worker, migrations, public pages)."""
    connection_created.connect(_every_city, dispatch_uid="panjereh-rls-every-city")
