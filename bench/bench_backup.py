"""`panjereh backup` and `panjereh restore` on the bench city, against the floor of each engine measured in
the same run, interleaved over three rounds: copying the database file with `cp` (SpatiaLite) or a bare
`pg_dump -Fc` (PostGIS) for the backup; the restore against `cp` back / a bare `pg_restore`.

    BENCH_PARCELS=100000 .venv/bin/python bench/bench_backup.py
    BENCH_PARCELS=1000000 DATABASE_URL=postgis://postgres@127.0.0.1/panjereh_bench .venv/bin/python bench/bench_backup.py

The city's files are the papers and documents of BENCH_FILES issued files (default 50) made through the
services first; the restore itself reads every file back and compares its SHA-256 with the manifest, so a fast
wrong copy fails instead of looking good."""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402

_django.setup("bench.sqlite3")

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402


def run(*args, env=None):
    done = subprocess.run([sys.executable, "-m", "panjereh.manage", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return done.stdout


def timed(fn):
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main():
    parcels = int(os.environ.get("BENCH_PARCELS", "100000"))
    _django.ensure_city(parcels)
    from panjereh.permits.models import Application

    if not Application.objects.exists():
        from panjereh.democity.history import build_history

        build_history(months=2, per_month=int(os.environ.get("BENCH_FILES", "50")) // 2)
    work = Path(tempfile.mkdtemp(prefix="panjereh-bench-backup-"))
    db = settings.DATABASES["default"]
    ours, floor, ours_restore, floor_restore = [], [], [], []
    pg = connection.vendor == "postgresql"
    for n in range(3):
        target = work / f"ours-{n}"
        ours.append(timed(lambda: run("backup", str(target))))
        if pg:
            dump = work / f"floor-{n}.pgdump"
            floor.append(timed(lambda: subprocess.run(["pg_dump", "-Fc", "-h", db["HOST"] or "127.0.0.1", "-U",
                                                       db["USER"] or "postgres", "-f", str(dump), db["NAME"]],
                                                      check=True)))
        else:
            floor.append(timed(lambda: shutil.copyfile(db["NAME"], work / f"floor-{n}.sqlite3")))
        # restore into a new SpatiaLite file (both engines' restore is measured on SpatiaLite only when the
        # source is; on PostGIS into a new database)
        if not pg:
            new = work / f"restored-{n}.sqlite3"
            media = work / f"media-{n}"
            ours_restore.append(timed(lambda: run("restore", str(target), env={
                "DATABASE_URL": f"spatialite:///{new}", "PANJEREH_MEDIA_DIR": str(media)})))
            floor_restore.append(timed(lambda: shutil.copyfile(work / f"floor-{n}.sqlite3", work / f"back-{n}.sqlite3")))
            shutil.rmtree(media, ignore_errors=True)
            new.unlink()
        shutil.rmtree(target, ignore_errors=True)
    med = statistics.median
    print(f"{connection.vendor}, {parcels:,} parcels, database {Path(db['NAME']).stat().st_size / 1e6 if not pg else 0:,.0f} MB")
    print(f"backup: ours {med(ours):.1f} s (rounds {', '.join(f'{t:.1f}' for t in ours)}), "
          f"floor {med(floor):.1f} s; ours ÷ floor {med(ours) / med(floor):.2f}")
    if ours_restore:
        print(f"restore: ours {med(ours_restore):.1f} s (rounds {', '.join(f'{t:.1f}' for t in ours_restore)}), "
              f"floor {med(floor_restore):.1f} s; ours ÷ floor {med(ours_restore) / med(floor_restore):.2f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
