"""A backup a city can restore: the database and every stored file (documents, issued papers, inspection
photos) in one folder, with a manifest of every file's SHA-256 — taken while the servers run and take
payments, restored into an empty deployment.

Why this order is consistent without stopping anything: the database is copied first, as one snapshot
(SQLite's online backup API; ``pg_dump``'s single transaction). Stored files are never overwritten — a new
version is a new name (``core.uploads``) — so every file the snapshot refers to already exists when the files
are copied after it. Files stored later are copied too and are simply not referred to by the restored rows.

The kernel knows no domain here: it copies every table and every object of the default storage (a folder or
an S3 bucket, through Django's storage API), and counts the rows of every model for the manifest.
"""

import datetime
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection

MANIFEST = "manifest.json"
FILES = "files"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; nothing was changed."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _storage_names(prefix: str = ""):
    """Every object of the default storage, by name, depth first (the tile cache is not in it)."""
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{prefix}/{name}" if prefix else name
    for folder in sorted(folders):
        yield from _storage_names(f"{prefix}/{folder}" if prefix else folder)


def _pg_env() -> tuple[dict, list[str]]:
    """libpq's environment and connection arguments for this deployment's PostgreSQL database."""
    db = settings.DATABASES["default"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])  # in the child's environment only: never on a command line
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432),
            "-U", str(db.get("USER") or "postgres")]
    return env, args


def _row_counts() -> dict[str, int]:
    return {f"{m._meta.app_label}.{m._meta.model_name}": m.objects.count()
            for m in apps.get_models() if m._meta.managed and not m._meta.proxy}


def backup(target: str, progress=None) -> dict:
    """Write the backup into the folder ``target`` (new, or empty); returns the manifest."""
    folder = Path(target)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: a backup goes into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    if connection.vendor == "postgresql":
        dump = folder / "database.pgdump"
        env, args = _pg_env()
        done = subprocess.run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", *args, "-f", str(dump),
                               settings.DATABASES["default"]["NAME"]], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(folder, ignore_errors=True)
            raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
    else:
        import sqlite3  # the module panjereh.sqlite_compat chose

        dump = folder / "database.sqlite3"
        source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=60)
        copy = sqlite3.connect(str(dump))
        try:
            source.backup(copy, pages=4096)  # online: writers go on between steps; a change restarts the copy
        finally:
            copy.close()
            source.close()
    counts = _row_counts()  # read after the snapshot: at least what it holds (reported, not checked against)
    files = []
    for name in _storage_names():
        path = folder / FILES / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, open(path, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        files.append({"name": name, "size": path.stat().st_size, "sha256": _sha256(path)})
        if progress:
            progress(1)
    manifest = {"format": 1, "engine": connection.vendor, "started_at": started.isoformat(),
                "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "database": {"file": dump.name, "size": dump.stat().st_size, "sha256": _sha256(dump)},
                "files": files, "row_counts_after": counts}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def verify(source: str) -> dict:
    """Check a backup folder against its manifest (every file there, with its SHA-256); returns the manifest."""
    folder = Path(source)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} holds no readable {MANIFEST}: {exc}") from None
    bad = []
    dump = folder / manifest["database"]["file"]
    if not dump.exists() or _sha256(dump) != manifest["database"]["sha256"]:
        bad.append(manifest["database"]["file"])
    for entry in manifest["files"]:
        path = folder / FILES / entry["name"]
        if not path.exists() or _sha256(path) != entry["sha256"]:
            bad.append(entry["name"])
    if bad:
        raise BackupError(f"{len(bad)} file(s) of the backup are missing or changed: {', '.join(bad[:5])}")
    return manifest


def _target_is_empty() -> bool:
    """An empty deployment: no table of ours yet (a new database, not migrated)."""
    return "django_migrations" not in connection.introspection.table_names()


def restore(source: str, progress=None) -> dict:
    """Restore a verified backup into this deployment, which must be empty (a new database and storage).
    Every file is read back after it is stored and compared with the manifest."""
    manifest = verify(source)
    folder = Path(source)
    if manifest["engine"] != connection.vendor:
        raise BackupError(f"the backup is of a {manifest['engine']} database, this deployment uses "
                          f"{connection.vendor}: restore it on the same engine, then `panjereh copydatabase`")
    if not _target_is_empty():
        raise BackupError("this deployment's database is not empty: restore only into a new database")
    clashing = [e["name"] for e in manifest["files"] if default_storage.exists(e["name"])]
    if clashing:
        raise BackupError(f"the storage already holds {len(clashing)} of the backup's files, e.g. {clashing[0]}")
    dump = folder / manifest["database"]["file"]
    if connection.vendor == "postgresql":
        connection.close()
        env, args = _pg_env()
        done = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                               *args, "-d", settings.DATABASES["default"]["NAME"], str(dump)],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[:500]}")
    else:
        import sqlite3

        connection.close()
        target = Path(settings.DATABASES["default"]["NAME"])
        source_db = sqlite3.connect(str(dump))
        copy = sqlite3.connect(str(target))
        try:
            source_db.backup(copy)
        finally:
            copy.close()
            source_db.close()
    for entry in manifest["files"]:
        with open(folder / FILES / entry["name"], "rb") as handle:
            stored = default_storage.save(entry["name"], File(handle))
        if stored != entry["name"]:
            raise BackupError(f"{entry['name']} was stored as {stored}")
        digest = hashlib.sha256()
        with default_storage.open(stored, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"{entry['name']} differs after it was stored")
        if progress:
            progress(1)
    return manifest
