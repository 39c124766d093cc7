"""Where the milliseconds of one feasibility request go, and the floor under them (issue 16, item 2).

    BENCH_PARCELS=1000000 .venv/bin/python bench/bench_request.py            # SpatiaLite, var/bench.sqlite3
    DATABASE_URL=postgis://postgres@127.0.0.1/panjereh_bench .venv/bin/python bench/bench_request.py

Measured in the same run, on the same database, through the same gunicorn (one sync worker):
- bare query: the feasibility SQL (one index-window nearest query per network) on a raw cursor, in-process;
- minimal view: that same SQL inside the smallest Django view (bench/minimal: no authentication, no
  permissions, no ORM objects, a JsonResponse) served by gunicorn: the floor of a Django request;
- signed-in view: the minimal view behind DRF, the staff token and the permission module's parcel check (the
  floor of any signed-in API request of ours);
- ours: GET /api/v1/parcels/<id>/feasibility/ with a staff token, over HTTP.
Then a profile (pyinstrument) of our request in-process through Django's test client, so the share of
authentication, permissions, the spatial work and serialisation is read off a profiler, not guessed.
Target: ours over HTTP p95 <= 2x the bare query, or the rest shown to be the floor of a Django request.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import ensure_city, setup, stats  # noqa: E402
from _rounds import interleaved, ratio_line  # noqa: E402
from _serve import Server, http_times  # noqa: E402

PARCELS = int(os.environ.get("BENCH_PARCELS", "300000"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "300"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PORT = int(os.environ.get("BENCH_PORT", "8766"))
PROFILE = os.environ.get("BENCH_PROFILE", "")  # default: bench/out/feasibility-profile-<database>.txt
setup("bench.sqlite3")

import numpy as np  # noqa: E402
from django.db import connection  # noqa: E402

from panjereh.agencies.models import Service  # noqa: E402
from panjereh.citymap.models import Parcel  # noqa: E402

from bench_foundation import bare_seconds  # noqa: E402


def profile(token, parcels) -> None:
    """pyinstrument over SAMPLES requests through the whole Django stack (test client: no socket)."""
    from django.test import Client
    from pyinstrument import Profiler

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    for p in parcels[:10]:
        client.get(f"/api/v1/parcels/{p.pk}/feasibility/")
    profiler = Profiler(interval=0.0002)
    started = time.perf_counter()
    profiler.start()
    for p in parcels:
        assert client.get(f"/api/v1/parcels/{p.pk}/feasibility/").status_code == 200
    profiler.stop()
    per = (time.perf_counter() - started) / len(parcels) * 1000
    text = profiler.output_text(unicode=False, color=False, show_all=False, timeline=False)
    path = Path(PROFILE or f"bench/out/feasibility-profile-{connection.vendor}.txt")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"profile of {len(parcels)} requests in-process ({per:.2f} ms each, with the profiler): {path}")


def statements_seconds(parcel, services) -> float:
    """Seconds our own feasibility statements take on a raw cursor (queries.nearest_features with the searches
    services.feasibility builds, then queries.feature_summaries): the spatial work of our answer, which does more
    than the bare query (the nearest station with spare capacity, active assets only, what is shown of each)."""
    import shapely

    from panjereh.citymap import queries
    from panjereh.citymap.services import feasibility_searches

    geom = shapely.from_wkb(bytes(parcel.geom.wkb))
    wkb, bounds = shapely.to_wkb(geom, output_dimension=2), shapely.bounds(geom)
    searches = feasibility_searches(services)[2]
    t = time.perf_counter()
    queries.feature_summaries(hit[0] for hit in queries.nearest_features(wkb, bounds, searches) if hit)
    return time.perf_counter() - t


def main():
    print(f"database: {connection.vendor}, samples {SAMPLES}")
    ensure_city(PARCELS)
    from django.contrib.auth import get_user_model

    from panjereh.agencies.staff_tokens import issue_token

    token = issue_token(get_user_model().objects.get(username="operator1"))
    rng = np.random.default_rng(7)
    ids = rng.choice(list(Parcel.objects.values_list("id", flat=True)), size=SAMPLES, replace=False)
    parcels = list(Parcel.objects.filter(pk__in=ids))
    services = list(Service.objects.select_related("agency"))
    for p in parcels:  # a first pass warms the database's cache for every reference alike (the HTTP ones too)
        statements_seconds(p, services)
    timed = interleaved({"bare": lambda p: bare_seconds(p, services),
                         "ours": lambda p: statements_seconds(p, services)}, parcels)
    ref = stats(timed["bare"])
    print(f"{'bare query, in-process':<44} p50 {ref[0]:>7.2f} p95 {ref[1]:>7.2f} ms")
    ours_sql = stats(timed["ours"])
    print(f"{'our two statements, in-process':<44} p50 {ours_sql[0]:>7.2f} p95 {ours_sql[1]:>7.2f} ms (the spatial "
          "work of our answer: the bare query's, plus the station with spare capacity, the status, the summaries)")
    profile(token, parcels)
    connection.close()
    rounds = []
    with Server(PORT, settings="minimal.settings"), Server(PORT + 1, settings="minimal.bare_settings"):
        warm = parcels[:10]
        http_times(PORT, "GET", [(f"/bench/bare-feasibility/{p.pk}/", None) for p in warm])
        http_times(PORT + 1, "GET", [(f"/bench/bare-feasibility/{p.pk}/", None) for p in warm])
        http_times(PORT, "GET", [(f"/api/v1/parcels/{p.pk}/feasibility/", None) for p in warm], token)
        http_times(PORT, "GET", [(f"/bench/signed-in-feasibility/{p.pk}/", None) for p in warm], token)
        calls = {
            "bare query": lambda p: bare_seconds(p, services),
            "view without middleware": lambda p: http_times(PORT + 1, "GET", [(f"/bench/bare-feasibility/{p.pk}/",
                                                                                None)]),
            "minimal view": lambda p: http_times(PORT, "GET", [(f"/bench/bare-feasibility/{p.pk}/", None)]),
            "signed-in view": lambda p: http_times(PORT, "GET", [(f"/bench/signed-in-feasibility/{p.pk}/", None)],
                                                   token),
            "ours": lambda p: http_times(PORT, "GET", [(f"/api/v1/parcels/{p.pk}/feasibility/", None)], token),
        }
        for r in range(ROUNDS):  # every reference interleaved with ours, request by request, turns rotating
            rounds.append(interleaved(calls, parcels[r::ROUNDS], offset=r))
    print(f"{ROUNDS} rounds of {len(parcels) // ROUNDS} requests; each ratio: median of the rounds (lowest–highest)")
    print(ratio_line("view without middleware (Django's own floor)", rounds, "view without middleware",
                     "bare query"))
    print(ratio_line("minimal view, through all our middleware", rounds, "minimal view", "bare query"))
    print(ratio_line("minimal view, through all our middleware", rounds, "minimal view",
                     "view without middleware"))
    print(ratio_line("the same, signed in (token, permission, DRF)", rounds, "signed-in view", "minimal view"))
    for reference in ("bare query", "view without middleware", "minimal view", "signed-in view"):
        print(ratio_line("feasibility API, over HTTP (gunicorn)", rounds, "ours", reference))

if __name__ == "__main__":
    main()
