"""Copy a whole Panjereh database into another, empty one — a city that outgrew SpatiaLite moving to PostGIS
(docs/operations.md), or a PostGIS city taken to a laptop.

Every table of every model, row for row with the same primary keys, in one transaction on the target: it holds
the whole copy or nothing. The source is only read, through its ORM (dates, JSON, booleans and geometries converted
by Django and GeoDjango as on every read). Into PostgreSQL the values are written with COPY (geometries as EWKB
with their SRID, JSON as its text), which is how a grown city moves: about fifteen times the ORM's pace (measured
on the 1M bench city, docs/operations.md). Into SpatiaLite, through the ORM's bulk_create."""

import json
from collections.abc import Callable

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from panjereh.core.citycopy import city_querysets
from panjereh.dburl import database_settings

TARGET = "copy_target"
BATCH = 2000


class CopyRefused(Exception):
    """The target cannot take the copy (not empty, unreachable, the same database); the message says why."""


def _models() -> list:
    """Every model with a table of its own, many-to-many tables included."""
    return [m for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy and not m._meta.swapped]


def add_connection(alias: str, settings: dict) -> None:
    """Make ``alias`` a connection of Django's to the database of ``settings`` (with Django's defaults filled in)."""
    connections.settings[alias] = connections.configure_settings(
        {DEFAULT_DB_ALIAS: connections.settings[DEFAULT_DB_ALIAS], alias: settings})[alias]


def _open_target(url: str):
    settings = database_settings(url)
    source = connections[DEFAULT_DB_ALIAS].settings_dict
    if (settings["ENGINE"], settings.get("NAME"), settings.get("HOST") or "", str(settings.get("PORT") or "")) == \
            (source["ENGINE"], source.get("NAME"), source.get("HOST") or "", str(source.get("PORT") or "")):
        raise CopyRefused("the target is the database this server uses")
    add_connection(TARGET, settings)
    try:
        connections[TARGET].ensure_connection()
    except Exception as exc:  # noqa: BLE001 — any failure to connect is told, not raised as a trace
        del connections.settings[TARGET]
        raise CopyRefused(f"cannot open the target database: {str(exc).strip()[:300]}") from exc
    return connections[TARGET]


def copy_database(url: str, progress: Callable[[str, int, int], object] | None = None,
                  city_id: int | None = None) -> dict[str, tuple[int, int]]:
    """Copy the default database into the empty database at ``url`` (migrated here first) — or, with
    ``city_id``, one city's rows of a province (:mod:`panjereh.core.citycopy`) into a deployment of its own.

    Returns {table: (rows in the source, rows in the target)}; raises CopyRefused before writing anything if the
    target already holds a city's data (users or parcels), and rolls the copy back if a table's count differs.
    ``progress(table, done, total)`` is told after each batch."""
    target = _open_target(url)
    try:
        _refuse_a_city(target)  # before migrating: a database of an older Panjereh is not upgraded by mistake
        call_command("migrate", database=TARGET, interactive=False, verbosity=0)
        call_command("createcachetable", database=TARGET, verbosity=0)
        models = _models()
        chosen = city_querysets(city_id, models) if city_id is not None else {}
        counts = {}
        with transaction.atomic(using=TARGET):
            with target.cursor() as cursor:
                # what migrations wrote there (content types, permissions, seed rows) gives way to the source's
                for sql in target.ops.sql_flush(no_style(), [m._meta.db_table for m in models],
                                                allow_cascade=True):
                    cursor.execute(sql)
            for model in models:
                source = chosen.get(model, model._base_manager.all()) if city_id is not None else None
                if city_id is not None and source is None:
                    counts[model._meta.db_table] = (0, 0)
                    continue
                counts[model._meta.db_table] = copied = _copy_model(model, progress, source)
                if copied[0] != copied[1]:  # rolls the whole copy back
                    raise CopyRefused(f"{model._meta.db_table}: {copied[0]} rows read, {copied[1]} in the target")
            with target.cursor() as cursor:  # the next id of each table follows the copied ones
                for sql in target.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
        return counts
    finally:
        connections[TARGET].close()
        del connections.settings[TARGET]


def city_data_tables() -> list[str]:
    """The tables whose rows make a database a city's: the users', and those each app names in its
    ``AppConfig.city_data`` (model names; the city map names its parcels). The kernel asks, and names no app."""
    tables = [get_user_model()._meta.db_table]
    for config in apps.get_app_configs():
        tables += [config.get_model(name)._meta.db_table for name in getattr(config, "city_data", ())]
    return tables


def _refuse_a_city(target) -> None:
    """CopyRefused if the target holds users or parcels (of any Panjereh version: their tables are read as
    tables, before anything is migrated)."""
    with target.cursor() as cursor:
        tables = set(target.introspection.table_names(cursor))
        for table in city_data_tables():
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {target.ops.quote_name(table)} LIMIT 1")
                if cursor.fetchone():
                    raise CopyRefused("the target database already holds users or parcels; give an empty database")


def _copy_model(model, progress, source=None) -> tuple[int, int]:
    """Copy ``source`` (a queryset of the model's rows; every row when None)."""
    source = (model._base_manager.all() if source is None else source).using(DEFAULT_DB_ALIAS)
    if connections[TARGET].vendor == "postgresql":
        return _copy_model_by_copy(model, progress, source)
    return _copy_model_by_orm(model, progress, source)


def _value_for_copy(field):
    """How a value read by the source's ORM is given to PostgreSQL's COPY (None: as psycopg adapts it)."""
    from django.contrib.gis.db.models import GeometryField
    from django.db.models import JSONField

    if isinstance(field, GeometryField):
        return lambda geometry: geometry.hexewkb.decode()  # PostGIS reads hex EWKB, SRID included, as text input
    if isinstance(field, JSONField):
        return lambda value: json.dumps(value, ensure_ascii=False)
    return None


def _copy_model_by_copy(model, progress, source) -> tuple[int, int]:
    """PostgreSQL target: the source's rows as values (``values_list``: no model objects) written with COPY."""
    target = connections[TARGET]
    fields = model._meta.concrete_fields
    table = model._meta.db_table
    prepare = [_value_for_copy(f) for f in fields]
    total, done = source.count(), 0
    columns = ", ".join(target.ops.quote_name(f.column) for f in fields)
    with target.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {target.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for row in source.order_by("pk").values_list(*[f.attname for f in fields]).iterator(chunk_size=BATCH):
                copy.write_row([value if convert is None or value is None else convert(value)
                                for convert, value in zip(prepare, row)])
                done += 1
                if progress and done % BATCH == 0:
                    progress(table, done, total)
    if progress:
        progress(table, done, total)
    return total, model._base_manager.using(TARGET).count()


def _copy_model_by_orm(model, progress, source) -> tuple[int, int]:
    # bulk_create would stamp auto_now fields with the time of the copy: the rows keep their own times
    stamped = [f for f in model._meta.local_fields
               if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in stamped]
    for f in stamped:
        f.auto_now = f.auto_now_add = False
    try:
        total, done, batch = source.count(), 0, []
        table = model._meta.db_table
        for obj in source.order_by("pk").iterator(chunk_size=BATCH):
            batch.append(obj)
            if len(batch) >= BATCH:
                model._base_manager.using(TARGET).bulk_create(batch)
                done += len(batch)
                batch = []
                if progress:
                    progress(table, done, total)
        if batch:
            model._base_manager.using(TARGET).bulk_create(batch)
            done += len(batch)
        if progress:
            progress(table, done, total)
        return total, model._base_manager.using(TARGET).count()
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add
