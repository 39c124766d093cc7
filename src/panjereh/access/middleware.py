"""Each staff request runs with the database scoped to the user's cities (PostgreSQL's row-level policy,
:mod:`panjereh.core.rls`): a query that forgot to ask ``access`` still cannot read another city's rows."""

from django.db import connection
from rest_framework.permissions import IsAuthenticated

from panjereh.access.cities import ALL, city_ids
from panjereh.access.roles import staff_profile
from panjereh.core import rls


def scope_value(user) -> str:
    """What a request's connection is scoped to: the cities of a staff member (``-``: none); every city for
    coordinators, and for citizens and the public, whose own rules (their files; published answers) are the
    Python's."""
    if staff_profile(user) is None or city_ids(user) is ALL:
        return "*"
    return ",".join(str(i) for i in sorted(city_ids(user))) or "-"


def scope_connection(user) -> bool:
    """Scope the request's connection to ``user``'s cities; whether it was narrowed (to be widened after)."""
    if connection.vendor != "postgresql" or staff_profile(user) is None:
        return False
    connection.ensure_connection()  # opened now, so that its start at every city does not come after this
    rls.set_cities(connection, scope_value(user))
    connection.panjereh_narrowed = True
    return True


def widen_connection() -> None:
    if getattr(connection, "panjereh_narrowed", False) and connection.connection is not None:
        rls.set_cities(connection, "*")
    connection.panjereh_narrowed = False


class CityScopeMiddleware:
    """After authentication: the page's user. (The REST API authenticates by token inside the view: the
    default permission class, ``StaffOnly`` below, scopes the connection once it knows the user.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope_connection(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            widen_connection()


class ScopedIsAuthenticated(IsAuthenticated):
    """DRF's IsAuthenticated that also scopes the connection to the user the API authenticated (by token)."""

    def has_permission(self, request, view):
        allowed = super().has_permission(request, view)
        if allowed:
            scope_connection(request.user)
        return allowed
