"""A nation on distributed PostgreSQL (issue 28 item 7): how 1,245 cities would route and balance on Citus.

Citus is not in this machine's package registries (Debian's and PyPI's: checked, `docs/architecture.md`), so this
is a simulation of its routing, not a run of it — but with its own rules and PostgreSQL's own hash function:

- a distributed table is cut into ``shard_count`` shards (Citus's default: 32), each owning an equal range of the
  32-bit hash space; a row goes to the shard whose range holds ``hashint8(distribution column)`` (the city key is a
  bigint) — computed here by PostgreSQL itself, so the placement is the one Citus would make;
- tables distributed on the same column are co-located: a city's parcels, files, tasks and bills share a shard, so
  every query of one city (feasibility, dig check, a file) is routed to exactly one shard;
- shards are placed on workers round-robin; a tenant too large for fair sharing is isolated onto a shard of its
  own (``isolate_tenant_to_new_shard``) and the rebalancer moves shards by their size.

It prints, for the city key and for the alternative (the province as the distribution column), the largest
worker's share of the parcels against a fair share, and how many shards a provincial agency's inbox touches.
City sizes follow Zipf's law from Tehran's ~2.5 million parcels down to 300 (Iran's 1,245 cities, 31 provinces).

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/panjereh python bench/bench_nation.py
"""

import os
import statistics
import sys

CITIES, PROVINCES, SHARDS = 1245, 31, 32
LARGEST, SMALLEST = 2_500_000, 300


def sizes() -> list[int]:
    return [max(SMALLEST, int(LARGEST / rank)) for rank in range(1, CITIES + 1)]


def province_of(rank: int) -> int:
    """The 31 largest cities are the provinces' capitals; the others are dealt out in order of size."""
    return rank % PROVINCES


def hashes(cursor, keys: list[int]) -> dict[int, int]:
    cursor.execute("SELECT k, hashint8(k) FROM unnest(%s::bigint[]) AS k", [keys])
    return dict(cursor.fetchall())


def shard_of(hash_value: int, count: int = SHARDS) -> int:
    """Citus's shard for a hash: equal ranges of [-2^31, 2^31) in order."""
    return (hash_value + 2**31) * count // 2**32


def placement(shard_sizes: dict[int, int], workers: int, balanced: bool) -> dict[int, int]:
    """{shard: worker}: round-robin as Citus creates them, or by size (largest first onto the lightest worker), as
    its rebalancer's ``by_disk_size`` strategy does."""
    if not balanced:
        return {shard: i % workers for i, shard in enumerate(sorted(shard_sizes))}
    load, placed = [0] * workers, {}
    for shard, size in sorted(shard_sizes.items(), key=lambda kv: -kv[1]):
        w = load.index(min(load))
        placed[shard] = w
        load[w] += size
    return placed


def report(name: str, key_of_city: list[int], key_hash: dict[int, int], parcels: list[int], isolate: int) -> None:
    """Load balance and fan-out for one distribution column. ``isolate``: the largest tenants each get a shard."""
    shard_sizes: dict[int, int] = {}
    city_shard = []
    isolated_keys = list(dict.fromkeys(key_of_city[:isolate]))  # the cities come largest first
    for city, key in enumerate(key_of_city):
        shard = SHARDS + isolated_keys.index(key) if key in isolated_keys else shard_of(key_hash[key])
        city_shard.append(shard)
        shard_sizes[shard] = shard_sizes.get(shard, 0) + parcels[city]
    total = sum(parcels)
    for workers in (4, 8, 16):
        for balanced in (False, True):
            placed = placement(shard_sizes, workers, balanced)
            load = [0] * workers
            for shard, size in shard_sizes.items():
                load[placed[shard]] += size
            print(f"  {name}, {workers:2d} workers, {'by size' if balanced else 'round-robin'}: largest worker "
                  f"{max(load) / (total / workers):.2f}× a fair share")
    touched = []
    for province in range(PROVINCES):
        shards = {city_shard[c] for c in range(CITIES) if province_of(c) == province}
        touched.append(len(shards))
    print(f"  {name}: a provincial agency's inbox touches {statistics.median(touched):g} shards (median over the "
          f"{PROVINCES} provinces; {min(touched)}–{max(touched)}); one city's query: 1 shard")


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgis://", "postgres")):
        print("bench_nation: needs DATABASE_URL of a PostgreSQL (its hash function places the rows)")
        return 0
    import psycopg

    conninfo = url.replace("postgis://", "postgresql://", 1)
    parcels = sizes()
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        city_hash = hashes(cursor, list(range(1, CITIES + 1)))
        province_hash = hashes(cursor, list(range(1, PROVINCES + 1)))
    print(f"bench_nation: {CITIES} cities, {sum(parcels):,} parcels (largest {parcels[0]:,}, "
          f"{parcels[0] / sum(parcels):.1%} of all), {PROVINCES} provinces, {SHARDS} hash shards")
    by_city = list(range(1, CITIES + 1))
    report("city key", by_city, city_hash, parcels, isolate=0)
    report("city key, 8 largest cities isolated", by_city, city_hash, parcels, isolate=8)
    by_province = [province_of(c) + 1 for c in range(CITIES)]
    report("province key", by_province, province_hash, parcels, isolate=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
