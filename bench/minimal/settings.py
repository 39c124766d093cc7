"""Panjereh's own settings with one more URL: the bare feasibility query as a minimal Django view.

Used only by bench/bench_request.py, to measure what a Django request costs around the spatial work when
nothing of Panjereh's (authentication, permissions, serialisation) runs: the floor under our API."""

from panjereh.settings import *  # noqa: F401,F403

ROOT_URLCONF = "minimal.urls"
