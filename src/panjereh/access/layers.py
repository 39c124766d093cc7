"""Which layers of the city map a user may read or change, and which features that makes visible.

A layer hidden here is hidden everywhere — pages, REST, OGC, tiles, feasibility, dig checks, incidents and works
— because no other module decides it. The models are looked up by label (``apps.get_model``), not imported:
``access`` sits below the city map, whose own pages and OGC API are guarded here."""

import functools

from django.apps import apps
from django.db import connection
from django.db.models import QuerySet

from panjereh.access.roles import is_coordinator, role, staff_profile
from panjereh.core.plain_rows import Columns


def _layer_model():
    return apps.get_model("citymap", "Layer")


def layer_reader(user):
    """The rule of who reads a layer, as a predicate on (visibility, owning agency id), for ``user``; also for
    answers that read those with their rows (the dig check) instead of asking for the user's list of layers.

    Public layers: anyone. Staff layers: any signed-in staff member. Agency layers: that agency's staff, and
    coordinators. Written once, here: :func:`visible_layers` and every other question use it."""
    if is_coordinator(user):
        return lambda visibility, agency_id: True
    profile = staff_profile(user)
    if profile is None:
        return lambda visibility, agency_id: visibility == "public"
    return lambda visibility, agency_id: visibility in ("public", "staff") or agency_id == profile.agency_id


def visible_layers(user, layers: QuerySet | None = None) -> QuerySet:
    """The layers ``user`` may read (the rule of :func:`layer_reader`), as a queryset."""
    layers = _layer_model().objects.all() if layers is None else layers
    return layers.filter(pk__in=_layer_access(user)[0])


def _layer_access(user) -> tuple[frozenset, int | None]:
    """(ids of the layers ``user`` may read, id of the parcels layer or None), read once per user object.

    Kept on the user object, as Django's ModelBackend keeps its permissions (``_perm_cache``): the object
    lives for one request, and a feasibility answer asked three questions of the same two queries. One plain
    statement over the few layer rows, the rule applied in Python: through the ORM it was the largest part of
    a dig check over HTTP (0.45 of 2.8 ms)."""
    cached = getattr(user, "_panjereh_layer_access", None)
    if cached is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, kind, visibility, agency_id FROM {_layer_model()._meta.db_table}")
            rows = cursor.fetchall()
        may_read = layer_reader(user)
        visible = frozenset(pk for pk, _kind, visibility, agency in rows if may_read(visibility, agency))
        parcels = min((pk for pk, kind, _v, _a in rows if kind == "parcels"), default=None)
        cached = (visible, parcels)
        try:
            user._panjereh_layer_access = cached
        except AttributeError:  # an object that takes no attributes: computed again next time
            pass
    return cached


@functools.cache  # per database alias, at the first map request of each process
def _layer_by_code_plan(using: str = "default"):
    layer_model, version_model = _layer_model(), apps.get_model("citymap", "LayerVersion")
    layer, version = Columns(layer_model, "l", using), Columns(version_model, "v", using)
    return (f"SELECT {layer.sql}, {version.sql} FROM {layer_model._meta.db_table} l "
            f"LEFT JOIN {version_model._meta.db_table} v ON v.id = l.current_version_id WHERE l.code = %s",
            layer, version)


def readable_layer(user, code: str):
    """The layer called ``code``, its current version loaded, when ``user`` may read it; None when not or when
    there is none (a hidden layer and a missing one look the same).

    For the map's read endpoints, asked on every tile and items page: one plain statement for the layer and its
    version, and the rule of :func:`layer_reader` applied to the row — where the ORM's select_related and the
    user's whole list of layers were two queries and a third of a cached tile's time."""
    sql, layer_columns, version_columns = _layer_by_code_plan()
    with connection.cursor() as cursor:
        cursor.execute(sql, [code])
        row = cursor.fetchone()  # code is unique
    if row is None:
        return None
    layer = layer_columns.build(row)
    if not layer_reader(user)(layer.visibility, layer.agency_id):
        return None
    type(layer).current_version.field.set_cached_value(layer, version_columns.build(row, layer_columns.width))
    return layer


def can_view_layer(user, layer) -> bool:
    """Whether ``user`` may read ``layer`` (same rule as :func:`visible_layers`)."""
    return layer.pk in _layer_access(user)[0]


def can_change_layer(user, layer) -> bool:
    """Only the owning agency's GIS staff (and superusers) may import into or roll back a layer."""
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile(user)
    return bool(profile and profile.role == "gis" and profile.agency_id == layer.agency_id)


def can_create_layer(user, agency) -> bool:
    """An agency's GIS staff create its layers; administrators any agency's."""
    if role(user) == "admin":
        return True
    profile = staff_profile(user)
    return bool(profile and profile.role == "gis" and agency is not None and profile.agency_id == agency.pk)


def can_view_parcels(user) -> bool:
    """Parcel details (plates, postal codes) are for staff, not for anonymous visitors."""
    visible, parcels = _layer_access(user)
    if parcels is not None:
        return parcels in visible
    profile = staff_profile(user)
    return bool(profile and profile.agency_id) or is_coordinator(user)


def visible_layer_ids(user) -> set[int]:
    """Ids of the layers ``user`` may read."""
    return set(_layer_access(user)[0])


def feature_visible(user, feature) -> bool:
    """Whether ``user`` may read the layer ``feature`` belongs to."""
    return feature.layer_id in visible_layer_ids(user)


def layers_of_features(feature_ids) -> dict[int, int]:
    """{feature id: its layer id}, read from the database whatever an answer says (the boundary itself).

    A plain statement: asked once per feasibility answer, the ORM's building of it cost twice its running."""
    table = apps.get_model("citymap", "Feature")._meta.db_table
    ids = sorted({int(i) for i in feature_ids if i is not None})
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, layer_id FROM {table} WHERE id IN ({', '.join(['%s'] * len(ids))})", ids)
        return dict(cursor.fetchall())
