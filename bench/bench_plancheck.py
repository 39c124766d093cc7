"""Issue 31: the plan check of a large drawing against the library alone reading the same file.

A 10 MB DXF (a five-floor building whose plans carry furniture and hatching detail) and a 50 MB IFC (a building
with tens of thousands of fittings besides its slabs and walls) are generated here, then checked end to end
(read by the convention, measured, compared with a parcel's rules) in rounds interleaved with the reference:
ezdxf's recovering reader opening the DXF and walking its model space, ifcopenshell opening the IFC and walking
its products. Printed: p95 of each, the ratio (target ≤ 1.5) with its spread over rounds, and the peak memory of
each in its own process against the file's size (target ≤ 3×).

    .venv/bin/python bench/bench_plancheck.py        # ROUNDS=5 DXF_MB=10 IFC_MB=50
"""

import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._rounds import interleaved, spread  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "5"))
LOT = (20.0, 30.0)


def big_dxf(megabytes: float) -> bytes:
    import ezdxf

    from tests.plancheck.drawings import from_north

    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 6
    msp = doc.modelspace()
    w, d = LOT
    msp.add_lwpolyline([(0, 0), (w, 0), (w, d), (0, d)], close=True, dxfattribs={"layer": "A-SITE"})
    x0, y0, x1, y1 = from_north(LOT, d * 0.55)
    for n in range(5):
        msp.add_lwpolyline([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], close=True,
                           dxfattribs={"layer": f"A-FLOOR-{n:02d}", "elevation": n * 3.2})
    # detail: furniture outlines and hatch lines on their own layers, until the file has its size
    i = 0
    while True:
        for _ in range(2000):
            x, y = x0 + (i * 0.37) % (x1 - x0 - 1), y0 + (i * 0.23) % (y1 - y0 - 1)
            msp.add_lwpolyline([(x, y), (x + 0.6, y), (x + 0.6, y + 0.4), (x, y + 0.4)], close=True,
                               dxfattribs={"layer": "A-FURN"})
            msp.add_line((x, y), (x + 0.5, y + 0.5), dxfattribs={"layer": "A-HATCH"})
            i += 1
        out = io.StringIO()
        doc.write(out)
        data = out.getvalue().encode()
        if len(data) >= megabytes * 1e6:
            return data


def big_ifc(megabytes: float) -> bytes:
    import ifcopenshell

    from tests.plancheck.drawings import from_north, ifc

    base = ifc(lot=LOT, storeys=[from_north(LOT, LOT[1] * 0.55)] * 5, parking=5, units=5)
    model = ifcopenshell.file.from_string(base.decode())
    storey = model.by_type("IfcBuildingStorey")[0]
    owner = storey.OwnerHistory
    placement = storey.ObjectPlacement
    fittings = []
    with tempfile.NamedTemporaryFile(suffix=".ifc") as handle:
        while True:
            for k in range(5000):
                fittings.append(model.createIfcFurnishingElement(
                    ifcopenshell.guid.new(), owner, f"Chair {len(fittings)}", None, None, placement))
            model.createIfcRelContainedInSpatialStructure(ifcopenshell.guid.new(), owner, None, None,
                                                          fittings[-5000:], storey)
            model.write(handle.name)
            if os.path.getsize(handle.name) >= megabytes * 1e6:
                return open(handle.name, "rb").read()


PEAK_SCRIPT = """
import io, os, sys, tempfile, threading, time
sys.path.insert(0, "src"); sys.path.insert(0, ".")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panjereh.settings")
import django
django.setup()
import ezdxf.recover, ifcopenshell
from panjereh.plancheck import check, dxf_reader, ifc_reader
page = os.sysconf("SC_PAGE_SIZE")
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * page
base = rss()
peak, done = [base], [False]
def watch():
    while not done[0]:
        peak[0] = max(peak[0], rss())
        time.sleep(0.005)
watcher = threading.Thread(target=watch)
watcher.start()
path = sys.argv[1]
exec(sys.argv[2])
done[0] = True
watcher.join()
print((max(peak[0], rss()) - base) / 2 ** 20)
"""


def _peak_mb(code: str, path: str) -> float:
    """How much the resident memory (MB) of a fresh Python process rises at its peak — sampled every 5 ms from
    /proc while it runs ``code`` on the file at ``path`` (as the worker checks a stored drawing, from a file)."""
    out = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, path, code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent, env={**os.environ})
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panjereh.settings")
    os.environ.setdefault("DATABASE_URL", "spatialite:///" + str(Path(__file__).resolve().parent.parent /
                                                                  "var" / "bench-plancheck.sqlite3"))
    import django

    django.setup()
    import ezdxf.recover
    import ifcopenshell

    from panjereh.plancheck import check, dxf_reader, ifc_reader

    dxf_mb, ifc_mb = float(os.environ.get("DXF_MB", "10")), float(os.environ.get("IFC_MB", "50"))
    print(f"generating a {dxf_mb:g} MB DXF and a {ifc_mb:g} MB IFC …", flush=True)
    dxf_data, ifc_data = big_dxf(dxf_mb), big_ifc(ifc_mb)
    print(f"DXF {len(dxf_data) / 1e6:.1f} MB, IFC {len(ifc_data) / 1e6:.1f} MB", flush=True)

    tmp = tempfile.mkdtemp()
    dxf_path, ifc_path = os.path.join(tmp, "drawing.dxf"), os.path.join(tmp, "drawing.ifc")
    for path, data in ((dxf_path, dxf_data), (ifc_path, ifc_data)):
        with open(path, "wb") as handle:
            handle.write(data)

    def library_dxf(_):
        with open(dxf_path, "rb") as handle:
            doc, _auditor = ezdxf.recover.read(handle)
        return sum(1 for _e in doc.modelspace())

    def ours_dxf(_):
        return check.measures(dxf_reader.read_file(dxf_path))

    def library_ifc(_):
        model = ifcopenshell.open(ifc_path)
        return len(model.by_type("IfcProduct"))

    def ours_ifc(_):
        drawing, _extra = ifc_reader.read_file(ifc_path)
        return check.measures(drawing)

    for label, calls in (("DXF", {"library": library_dxf, "plan check": ours_dxf}),
                         ("IFC", {"library": library_ifc, "plan check": ours_ifc})):
        times = interleaved(calls, list(range(ROUNDS)))
        ratios = [o / lib for o, lib in zip(times["plan check"], times["library"])]
        p95 = {k: sorted(v)[max(0, int(len(v) * 0.95) - 1)] for k, v in times.items()}
        print(f"{label}: library p95 {p95['library']:.2f} s, plan check p95 {p95['plan check']:.2f} s, "
              f"ratio {spread(ratios)} (target ≤ 1.5; median {statistics.median(ratios):.2f})", flush=True)

    for label, path, data, ours, library in (
            ("DXF", dxf_path, dxf_data, "check.measures(dxf_reader.read_file(path))",
             "doc, _a = ezdxf.recover.read(open(path, 'rb'))\nn = sum(1 for _e in doc.modelspace())"),
            ("IFC", ifc_path, ifc_data, "check.measures(ifc_reader.read_file(path)[0])",
             "m = ifcopenshell.open(path); n = len(m.by_type('IfcProduct'))")):
        peak, alone = _peak_mb(ours, path), _peak_mb(library, path)
        size = len(data) / 2 ** 20
        print(f"{label} memory: the peak rises {peak:.0f} MB checking a {size:.0f} MB file ({peak / size:.1f}× "
              f"its size; target ≤ 3×) — the library alone reading it: {alone:.0f} MB ({alone / size:.1f}×)",
              flush=True)
    shutil.rmtree(tmp)
    print(f"(process peak so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
