"""A database URL as Django's settings of a Panjereh database (settings.py's DATABASES, and the copy command's
target): PostgreSQL always means PostGIS, SQLite always SpatiaLite, with the options each needs."""

import os

import dj_database_url


def database_settings(url: str, test_sqlite_name: str | None = None) -> dict:
    """Django's DATABASES entry for ``url`` (postgis://…, postgres://…, spatialite:///path, sqlite:///path)."""
    db = dj_database_url.parse(url, conn_max_age=int(os.environ.get("PANJEREH_DB_CONN_MAX_AGE", "60")))
    if db["ENGINE"] in {"django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"}:
        # A plain postgres:// URL still means the spatial backend: Panjereh needs PostGIS.
        db["ENGINE"] = "django.contrib.gis.db.backends.postgis"
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["ENGINE"] = "django.contrib.gis.db.backends.spatialite"
    if db["ENGINE"].endswith("spatialite"):
        # Loading mod_spatialite costs milliseconds per connection: keep connections (CONN_MAX_AGE above).
        db.setdefault("OPTIONS", {})["timeout"] = 30
        # Take the write lock when a transaction starts: concurrent writers then wait their turn instead of
        # failing with "database is locked" half-way through (SQLite has one writer at a time).
        db["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
        # SQLite's default page cache is 2 MB; a city's feature table and its R*Tree want more (imports ~13% faster).
        db["OPTIONS"]["init_command"] = \
            f"PRAGMA cache_size = -{int(os.environ.get('PANJEREH_SQLITE_CACHE_MB', '128')) * 1024}"
        if test_sqlite_name:
            # Tests use a file, not Django's shared-cache in-memory database: shared cache has table locks that
            # fail at once instead of waiting, which is not how the real file behaves when two requests meet.
            db["TEST"] = {"NAME": test_sqlite_name}
    return db
