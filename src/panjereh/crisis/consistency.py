"""Do the agencies' layers agree with each other and with the base map? Whole-city checks.

Each check returns findings (dicts); :func:`run_checks` stores them. Geometry is handled in memory with
Shapely's STRtree, vectorised, so a 300,000-parcel city is checked in minutes (bench/bench_consistency.py).

- offset: a layer's systematic shift (dx, dy) against the street centrelines, from the laying rules;
- clearance: assets running side by side closer than the configured separation;
- under_parcel: assets inside a parcel (a building's land) rather than under the street;
- off_street: assets farther from every street than the street is wide;
- wrong_crs: a layer outside the city, as degrees stored as metres or another UTM zone would be;
- duplicate: the same asset drawn twice;
- overloaded: a transformer loaded beyond its capacity.
"""

import numpy as np
import shapely
from django.conf import settings

from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Feature, Layer
from panjereh.crisis.loading import Assets, load_assets, load_parcels
from panjereh.crisis.models import ClearanceRule, LayingRule

LINE_TYPES = {"LineString", "MultiLineString"}


def _finding(check, agency, message_fa, message_en, *, features=(), layer="", other_agency=None, data=None,
             location=None):
    return {"check_name": check, "agency": agency, "other_agency": other_agency, "layer_code": layer,
            "features": list(features), "message_fa": message_fa[:400], "message_en": message_en[:400],
            "data": data or {}, "location": location}


def finding_key(check: str, agency: str, other_agency: str | None, layer: str, features: list) -> str:
    """The same problem's name in every run: its check, agencies, layer and assets by their ids in the agency's
    own system (``ext_id``, which a new version of the layer keeps; the map's id where there is none). What
    staff said of a finding (dismissed, marked fixed) follows it into the next run by this key."""
    import hashlib
    import json

    assets = sorted(str(f.get("ext_id") or f"#{f.get('id')}") for f in features)
    raw = json.dumps([check, agency, other_agency or "", layer, assets], ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def _streets(assets: Assets):
    mask = np.array([layer == "streets" for layer in assets.layers], dtype=bool)
    return assets.subset(mask)


def _network(assets: Assets):
    mask = np.array([bool(k) for k in assets.kinds], dtype=bool)
    return assets.subset(mask)


def _ends(geoms) -> tuple[np.ndarray, np.ndarray]:
    """The first and the last vertex of each geometry (of a multi-line: of its first and last part)."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    order = np.arange(len(geoms))
    return coords[np.searchsorted(index, order, "left")], coords[np.searchsorted(index, order, "right") - 1]


def check_offsets(assets: Assets, streets: Assets) -> list[dict]:
    """Estimate each network layer's shift against the street centrelines (least squares, outliers dropped)."""
    rules = dict(LayingRule.objects.values_list("kind", "offset_m"))
    threshold = settings.PANJEREH_OFFSET_THRESHOLD_M
    if len(streets) == 0:
        return []
    tree = shapely.STRtree(streets.geoms)
    street_ends = _ends(streets.geoms)
    findings = []
    for layer in sorted(set(assets.layers)):
        idx = [i for i, (lay, kind) in enumerate(zip(assets.layers, assets.kinds)) if lay == layer and kind in rules]
        if len(idx) < 20:
            continue
        geoms = assets.geoms[idx]
        mids = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
        heads = shapely.line_interpolate_point(geoms, 0.0, normalized=True)
        tails = shapely.line_interpolate_point(geoms, 1.0, normalized=True)
        direction = shapely.get_coordinates(tails) - shapely.get_coordinates(heads)
        direction /= np.maximum(np.linalg.norm(direction, axis=1), 1e-9)[:, None]
        pair_src, pair_street = tree.query_nearest(mids, max_distance=15.0, all_matches=False)
        # every (asset, nearest street) pair at once: the street's direction, whether the asset runs along it
        # (not across: a crossing), the asset's signed distance from its centreline less the laying offset
        a, b = street_ends[0][pair_street], street_ends[1][pair_street]
        t = (b - a) / np.maximum(np.linalg.norm(b - a, axis=1), 1e-9)[:, None]
        along = np.abs(np.einsum("ij,ij->i", t, direction[pair_src])) >= 0.94
        t, a, pair_src = t[along], a[along], pair_src[along]
        normals = np.column_stack([-t[:, 1], t[:, 0]])
        d = np.einsum("ij,ij->i", shapely.get_coordinates(mids[pair_src]) - a, normals)
        expected = np.abs(np.array([rules[assets.kinds[i]] for i in idx], dtype=float))[pair_src]
        residuals = np.where(expected > 0, d - np.sign(d) * expected, d)
        if len(residuals) < 20:
            continue
        A, b = normals, residuals
        if np.linalg.matrix_rank(A) < 2:
            continue
        shift = np.linalg.lstsq(A, b, rcond=None)[0]
        for _ in range(3):  # drop outliers (single misplaced assets are another check's business)
            keep = np.abs(A @ shift - b) < 1.0
            if keep.sum() < 10 or np.linalg.matrix_rank(A[keep]) < 2:
                break
            shift = np.linalg.lstsq(A[keep], b[keep], rcond=None)[0]
        dx, dy = (round(float(v), 2) for v in shift)
        size = (dx ** 2 + dy ** 2) ** 0.5
        if size > threshold:
            agency = assets.agencies[idx[0]]
            findings.append(_finding(
                "offset", agency, f"لایه {layer} حدود {size:.1f} متر جابه‌جاست (dx={dx}, dy={dy})",
                f"layer {layer} is shifted by about {size:.1f} m (dx={dx} m, dy={dy} m) against the street base map",
                layer=layer, data={"dx_m": dx, "dy_m": dy, "observations": int(len(b))}))
    return findings


def _length_within_boxes(geoms, boxes, margin) -> np.ndarray:
    """For each geometry, an upper bound of its length inside its box (xmin, ymin, xmax, ymax, widened by
    ``margin``): the sum over its segments of the diagonal of the segment's bounding box clipped to the box."""
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    if len(coords) < 2:
        return np.zeros(len(geoms))
    # consecutive coordinates of one geometry make a segment (across the parts of a multi-geometry too: a
    # segment that is not there only makes the bound larger, never wrong)
    joined = owner[1:] == owner[:-1]
    start, end, seg = coords[:-1][joined], coords[1:][joined], owner[:-1][joined]
    low, high = np.minimum(start, end), np.maximum(start, end)
    box_low = boxes[seg, :2] - margin[seg, None]
    box_high = boxes[seg, 2:] + margin[seg, None]
    extent = np.clip(np.minimum(high, box_high) - np.maximum(low, box_low), 0, None)
    return np.bincount(seg, weights=np.hypot(extent[:, 0], extent[:, 1]), minlength=len(geoms))


def check_clearances(assets: Assets) -> list[dict]:
    """Pairs of assets running side by side closer than the rule allows (crossings are not runs)."""
    findings = []
    for rule in ClearanceRule.objects.all():
        a_idx = np.array([i for i, k in enumerate(assets.kinds) if k in rule.kinds_a], dtype=np.int64)
        b_idx = np.array([i for i, k in enumerate(assets.kinds) if k in rule.kinds_b], dtype=np.int64)
        if not len(a_idx) or not len(b_idx):
            continue
        tree = shapely.STRtree(assets.geoms[b_idx])
        src, dst = tree.query(assets.geoms[a_idx], predicate="dwithin", distance=rule.min_m)
        pair_i, pair_j = a_idx[src], b_idx[dst]
        # Every candidate pair measured at once — most are mains meeting or crossing at a junction — and
        # only the violations go through Python: closer than the rule's minimum (a deeper minimum where the
        # first asset lies above the second) over a run long enough not to be a crossing.
        ids = np.asarray(assets.ids)
        distances = shapely.distance(assets.geoms[pair_i], assets.geoms[pair_j])
        minimum = np.full(len(pair_i), rule.min_m, dtype=float)
        if rule.min_m_if_a_above is not None:
            depths = np.array([np.nan if d is None else d for d in assets.depths], dtype=float)
            above = depths[pair_i] < depths[pair_j]  # False where either depth is unknown (NaN)
            minimum[above] = rule.min_m_if_a_above
        close = (distances < minimum) & (ids[pair_i] != ids[pair_j])
        pair_i, pair_j, distances, minimum = pair_i[close], pair_j[close], distances[close], minimum[close]
        needed = np.maximum(2.0, 4 * minimum)  # a run shorter than this is a crossing, not a parallel run
        # The run is the length of the first asset within the minimum of the second. It is at most the length
        # of the first inside the second's bounding box widened by the minimum, and that at most the sum, over
        # the first's segments, of the diagonals of each segment's box clipped to that box — arithmetic on
        # coordinate arrays, no geometry built. A crossing or a meeting end fails that bound (of 150,000 close
        # pairs in a million-parcel city, a handful pass); only the pairs that pass are measured exactly.
        bound = _length_within_boxes(assets.geoms[pair_i], shapely.bounds(assets.geoms[pair_j]), minimum)
        runs = np.zeros(len(pair_i))
        maybe = bound >= needed
        runs[maybe] = shapely.length(shapely.intersection(assets.geoms[pair_i[maybe]],
                                                          shapely.buffer(assets.geoms[pair_j[maybe]], minimum[maybe])))
        parallel = runs >= needed
        for i, j, distance, minimum_m, run in zip(pair_i[parallel].tolist(), pair_j[parallel].tolist(),
                                                  distances[parallel].tolist(), minimum[parallel].tolist(),
                                                  runs[parallel].tolist()):
            minimum_m = rule.min_m if minimum_m == rule.min_m else rule.min_m_if_a_above  # as the rule says it
            ga, gb = assets.geoms[i], assets.geoms[j]
            where = shapely.get_coordinates(shapely.shortest_line(ga, gb))[0]
            findings.append(_finding(
                "clearance", assets.agencies[i],
                f"{assets.ext_ids[i]} و {assets.ext_ids[j]} در فاصله {distance:.2f} متری (کمتر از {minimum_m} متر) "
                f"در طول {run:.0f} متر",
                f"{assets.ext_ids[i]} ({assets.agencies[i]}) runs {distance:.2f} m from {assets.ext_ids[j]} "
                f"({assets.agencies[j]}) over {run:.0f} m; rule {rule.name} asks for {minimum_m} m",
                other_agency=assets.agencies[j], layer=assets.layers[i],
                features=[{"id": int(assets.ids[i]), "ext_id": assets.ext_ids[i]},
                          {"id": int(assets.ids[j]), "ext_id": assets.ext_ids[j]}],
                data={"rule": rule.name, "distance_m": round(distance, 2), "minimum_m": minimum_m,
                      "run_m": round(run, 1)}, location=tuple(where)))
    return findings


def check_positions(assets: Assets, streets: Assets, parcel_geoms) -> list[dict]:
    """Assets inside parcels, and assets farther from any street than the street is wide."""
    findings = []
    network = _network(assets)
    if len(network) == 0:
        return findings
    if len(parcel_geoms):
        inner = shapely.buffer(parcel_geoms, -0.05)
        tree = shapely.STRtree(inner)
        src, _ = tree.query(network.geoms, predicate="intersects")
        for i in sorted(set(int(s) for s in src)):
            findings.append(_finding(
                "under_parcel", network.agencies[i], f"{network.ext_ids[i]} زیر قطعه ملکی (ساختمان) است",
                f"{network.ext_ids[i]} lies inside a parcel (under a building's land), not under the street",
                layer=network.layers[i], features=[{"id": int(network.ids[i]), "ext_id": network.ext_ids[i]}],
                location=tuple(shapely.get_coordinates(shapely.point_on_surface(network.geoms[i]))[0])))
    if len(streets):
        half = max(float(a.get("width_m", 20)) for a in streets.attrs) / 2 if streets.attrs else 10.0
        tree = shapely.STRtree(streets.geoms)
        src, _ = tree.query_nearest(network.geoms, max_distance=half + 0.5, all_matches=False)
        near = set(int(s) for s in src)
        for i in range(len(network)):
            if i not in near:
                findings.append(_finding(
                    "off_street", network.agencies[i], f"{network.ext_ids[i]} بیرون از معابر است",
                    f"{network.ext_ids[i]} is more than {half + 0.5:.1f} m from every street centreline",
                    layer=network.layers[i], features=[{"id": int(network.ids[i]), "ext_id": network.ext_ids[i]}],
                    location=tuple(shapely.get_coordinates(shapely.point_on_surface(network.geoms[i]))[0])))
    return findings


def check_crs(assets: Assets) -> list[dict]:
    """Network layers outside the city: say which wrong CRS would explain it. Other layers (a province's or a
    county's boundary) lie beyond the city by nature and are not diagnosed."""
    city = crsmod.city_polygon_storage()
    shapely.prepare(city)  # asked of every feature of every network layer
    findings = []
    networks = set(Layer.objects.filter(kind=Layer.Kind.NETWORK).values_list("code", flat=True))
    for layer in sorted(set(assets.layers) & networks):
        idx = [i for i, lay in enumerate(assets.layers) if lay == layer]
        geoms = assets.geoms[idx]
        outside = ~shapely.intersects(city, geoms)  # the prepared city first: that is what uses it
        if not outside.any():
            continue
        minx, miny, maxx, maxy = shapely.total_bounds(geoms[outside])
        if max(abs(minx), abs(maxx)) <= 180 and max(abs(miny), abs(maxy)) <= 90:
            cause_en, cause_fa = "degrees stored as metres", "درجه به‌جای متر ذخیره شده"
        else:
            cause_en, cause_fa = "another CRS or UTM zone", "دستگاه مختصات یا زون UTM دیگری"
            own = crsmod.STORAGE_SRID - 32600
            for zone in (z for z in (38, 39, 40, 41) if z != own):  # Iran's UTM zones
                moved = crsmod.transform(geoms[outside][:1], f"EPSG:326{zone}", crsmod.STORAGE)
                if shapely.intersects(moved, city).all():
                    cause_en = f"UTM zone {zone} coordinates stored as zone {own}"
                    cause_fa = f"مختصات زون {zone} UTM"
        findings.append(_finding(
            "wrong_crs", assets.agencies[idx[0]],
            f"{int(outside.sum())} عارضه لایه {layer} بیرون از شهر است: احتمالاً {cause_fa}",
            f"{int(outside.sum())} features of layer {layer} lie outside the city: looks like {cause_en}",
            layer=layer, data={"outside": int(outside.sum()), "bbox": [round(v, 3) for v in (minx, miny, maxx, maxy)]}))
    return findings


def _same_asset(network: Assets, s: int, d: int) -> bool:
    """Whether two assets drawn in one place are one asset drawn twice: the same id, or — for assets of no
    model of their own — the same attributes (diameter, material, year, depth). Parallel pipes between the
    same two junctions are real and common: a network model names each (EPANET), and they differ; so does
    every other asset of one model (its valves, its junctions)."""
    if network.ext_ids[s] and network.ext_ids[s] == network.ext_ids[d]:
        return True
    if network.attrs[s].get("start_node") and network.attrs[d].get("start_node"):
        return False  # a network model's own links: two names, two pipes
    model = network.attrs[s].get("network")
    if model and model == network.attrs[d].get("network"):
        # one model's own assets under two names (valves on parallel pumps at one junction, junctions that
        # share coordinates): the model holds them apart, so they are two
        return False
    typed = network.typed or [(None, None, None)] * len(network)
    depth_s, depth_d = network.depths[s], network.depths[d]
    same_depth = depth_s == depth_d or (depth_s is not None and depth_d is not None and abs(depth_s - depth_d) <= 0.05)
    return typed[s] == typed[d] and same_depth


def check_duplicates(assets: Assets) -> list[dict]:
    """The same kind of asset, of the same agency, drawn twice (within 0.1 m everywhere, and the same asset:
    :func:`_same_asset`)."""
    network = _network(assets)
    findings = []
    if len(network) == 0:
        return findings
    tree = shapely.STRtree(network.geoms)
    src, dst = tree.query(network.geoms, predicate="dwithin", distance=0.1)
    # each pair once, of one kind and one agency, and close everywhere (measured for all pairs at once)
    kinds, agencies = np.asarray(network.kinds, dtype=object), np.asarray(network.agencies, dtype=object)
    keep = (src < dst) & (kinds[src] == kinds[dst]) & (agencies[src] == agencies[dst])
    src, dst = src[keep], dst[keep]
    close = shapely.hausdorff_distance(network.geoms[src], network.geoms[dst]) <= 0.1
    for s, d in zip(src[close].tolist(), dst[close].tolist()):
        if _same_asset(network, s, d):
            findings.append(_finding(
                "duplicate", network.agencies[s], f"{network.ext_ids[s]} و {network.ext_ids[d]} تکراری‌اند",
                f"{network.ext_ids[s]} and {network.ext_ids[d]} are the same {network.kinds[s]} drawn twice",
                layer=network.layers[s], features=[{"id": int(network.ids[s]), "ext_id": network.ext_ids[s]},
                                                   {"id": int(network.ids[d]), "ext_id": network.ext_ids[d]}]))
    return findings


def check_loads() -> list[dict]:
    """Transformers loaded beyond their capacity."""
    findings = []
    for f in Feature.objects.current().filter(kind="transformer", capacity_kva__isnull=False,
                                              load_kva__isnull=False).select_related("agency", "layer"):
        if f.load_kva > f.capacity_kva:
            findings.append(_finding(
                "overloaded", f.agency.code, f"ترانسفورماتور {f.ext_id} بیش از ظرفیت بار دارد",
                f"transformer {f.ext_id} carries {f.load_kva:g} kVA of its {f.capacity_kva:g} kVA",
                layer=f.layer.code, features=[{"id": f.pk, "ext_id": f.ext_id}],
                data={"load_kva": f.load_kva, "capacity_kva": f.capacity_kva}, location=tuple(f.geom.coords)))
    return findings


def all_checks() -> list[dict]:
    """Run every check over the whole current map."""
    assets = load_assets()
    streets = _streets(assets)
    _, parcels = load_parcels()
    network = _network(assets)
    return (check_offsets(network, streets) + check_clearances(network) + check_positions(assets, streets, parcels)
            + check_crs(assets) + check_duplicates(assets) + check_loads())
