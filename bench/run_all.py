"""`make bench`: every benchmark in turn on one database and one city size, each printing its ratios against
a reference measured in the same run (the bare query, ogr2ogr, a minimal Django view, tipg and pygeoapi).

    make bench                                                        # SpatiaLite, 300,000 parcels
    BENCH_PARCELS=1000000 DATABASE_URL=postgis://postgres@127.0.0.1/panjereh_bench make bench
    BENCH_ONLY=tiles,request make bench                               # some of them

The city is built once (with progress) by the first benchmark and reused by the others. The output is also
written to bench/out/bench-<database>-<parcels>.txt.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ORDER = [
    ("foundation", "bench_foundation.py", "import rate, feasibility and dig check in-process and over HTTP"),
    ("request", "bench_request.py", "one feasibility request: profile, minimal Django view, ours"),
    ("tiles", "bench_tiles.py", "uncached tiles at z15/z16 against bare ST_AsMVT"),
    ("peers", "bench_peers.py", "the map beside tipg and pygeoapi on the same PostGIS tables"),
    ("consistency", "bench_consistency.py", "the whole-city consistency run against the bare self-joins"),
    ("works", "bench_works.py", "works conflicts against the bare spatio-temporal self-join"),
    ("indicators", "bench_indicators.py", "review indicators against the bare SQL aggregate"),
    ("nation", "bench_nation.py", "a nation on Citus, simulated with PostgreSQL's own hash: balance and fan-out"),
]


def main() -> int:
    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
    parcels = os.environ.setdefault("BENCH_PARCELS", "300000")
    database = "postgis" if os.environ.get("DATABASE_URL", "").startswith("postgis") else "spatialite"
    out_path = BENCH / "out" / f"bench-{database}-{parcels}.txt"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    failed = []
    with out_path.open("w", encoding="utf-8") as out:
        for name, script, what in ORDER:
            if only and name not in only:
                continue
            header = f"\n=== {name}: {what} ({database}, {int(parcels):,} parcels) ==="
            print(header, flush=True)
            out.write(header + "\n")
            started = time.perf_counter()
            proc = subprocess.Popen([sys.executable, str(BENCH / script)], stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, cwd=BENCH.parent)
            for line in proc.stdout:
                print(line, end="", flush=True)
                if "\r" not in line and "it/s" not in line and "rows/s" not in line:  # progress bars: screen only
                    out.write(line)
            code = proc.wait()
            footer = f"--- {name}: {time.perf_counter() - started:.0f} s" + (f", FAILED (exit {code})" if code else "")
            print(footer, flush=True)
            out.write(footer + "\n")
            if code:
                failed.append(name)
    print(f"\nwritten to {out_path}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
