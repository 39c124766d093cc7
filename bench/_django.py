"""Start Django for a benchmark script: the repository's src on the path, its own database by default."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(default_db: str) -> None:
    """Configure and start Django; ``default_db`` names the SpatiaLite file under var/ unless DATABASE_URL is set."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("PANJEREH_VAR_DIR", str(ROOT / "var"))
    os.environ.setdefault("DATABASE_URL", f"spatialite:///{ROOT / 'var' / default_db}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panjereh.settings")
    import django

    django.setup()


def stats(samples):
    """(p50, p95) in milliseconds of timings in seconds."""
    import statistics

    ms = sorted(s * 1000 for s in samples)
    return statistics.median(ms), ms[max(0, int(len(ms) * 0.95) - 1)]
