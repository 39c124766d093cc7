"""How far a projected CRS stretches distances at a city's edges: the clearance and service-distance checks are
in metres of the storage CRS, so a city far from its zone's central meridian gets distances off by its scale
error. Transverse Mercator's point scale (spherical form, within 0.01% of the ellipsoidal one in Iran):
k = k0 / sqrt(1 − (cos φ · sin Δλ)²), with k0 = 0.9996 for UTM."""

import math

K0 = 0.9996

# Iranian cities a set-up may start from: name → (centre lon, lat, half-width of the extent in degrees)
CITIES = {"Ahvaz": (48.67, 31.32, 0.25), "Tehran": (51.39, 35.69, 0.35), "Mashhad": (59.57, 36.30, 0.25),
          "Zahedan": (60.86, 29.49, 0.15), "Tabriz": (46.29, 38.08, 0.2), "Shiraz": (52.54, 29.61, 0.2),
          "Isfahan": (51.67, 32.65, 0.25)}


def utm_zone(lon: float) -> int:
    """The UTM zone number a longitude lies in."""
    return int((lon + 180) // 6) + 1


def central_meridian(zone: int) -> float:
    return zone * 6 - 183.0


def point_scale(lon: float, lat: float, zone: int) -> float:
    """UTM point scale factor at (lon, lat) in ``zone``."""
    b = math.cos(math.radians(lat)) * math.sin(math.radians(lon - central_meridian(zone)))
    return K0 / math.sqrt(1 - b * b)


def tm_scale(lon: float, lat: float, meridian: float, k0: float) -> float:
    """Transverse Mercator's point scale at (lon, lat) for any central meridian and scale on it."""
    b = math.cos(math.radians(lat)) * math.sin(math.radians(lon - meridian))
    return k0 / math.sqrt(1 - b * b)


def worst_error(bbox: tuple[float, float, float, float], zone: int, *, meridian: float | None = None,
                k0: float = K0) -> float:
    """The largest |k − 1| over the extent's corners and edge midpoints, as a fraction (0.001 = 0.1%): in the
    UTM ``zone``, or in a Transverse Mercator of its own ``meridian`` and ``k0`` (a province's, for one)."""
    west, south, east, north = bbox
    points = [(x, y) for x in (west, (west + east) / 2, east) for y in (south, (south + north) / 2, north)]
    meridian = central_meridian(zone) if meridian is None else meridian
    return max(abs(tm_scale(x, y, meridian, k0) - 1) for x, y in points)


def report(bbox, zone: int) -> str:
    """A line: the zone, its central meridian, and the worst scale error over the extent (per cent, and metres
    per kilometre)."""
    error = worst_error(bbox, zone)
    return (f"UTM zone {zone}N (central meridian {central_meridian(zone):g}°): worst scale error at the edges "
            f"{error * 100:.3f}% ({error * 1000:.2f} m per km)")


def storage_error(bbox, srid: int, tm_meridian: float | None) -> float:
    """The worst scale error over an extent in the deployment's storage CRS: a UTM zone (``srid``'s last two
    digits), or the provincial Transverse Mercator on ``tm_meridian`` with scale 1 on it."""
    if tm_meridian is not None:
        return worst_error(bbox, 0, meridian=tm_meridian, k0=1.0)
    return worst_error(bbox, srid % 100)


def storage_name(srid: int, tm_meridian: float | None) -> str:
    if tm_meridian is not None:
        return f"a Transverse Mercator on {tm_meridian:g}° E (local SRID {srid})"
    return f"UTM zone {srid % 100}"
