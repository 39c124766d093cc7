"""Drawings made in the tests with ezdxf, by the convention of docs/plan-check.md (nothing downloaded): a lot,
storeys, a roof, parking bays and units, in millimetres as AutoCAD users draw."""

import io

import ezdxf


def dxf(*, lot=(12.5, 25.0), storeys=(), roof=None, parking=0, units=0, insunits=4, site=True, extra=None) -> bytes:
    """``lot``: width × depth in metres, the lot's south-west corner at (0, 0), north up. ``storeys``: one
    (x0, y0, x1, y1) rectangle in metres per floor from the ground up (or a list of points). ``roof``: the
    top's elevation in metres. ``parking``/``units``: how many bay and unit blocks."""
    mm = 1000.0 if insunits == 4 else 1.0
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = insunits
    msp = doc.modelspace()
    for name in ("PARKING", "UNIT"):
        block = doc.blocks.new(name=name)
        block.add_lwpolyline([(0, 0), (2500, 0), (2500, 5000), (0, 5000)], close=True)
    w, d = lot
    if site:
        msp.add_lwpolyline([(0, 0), (w * mm, 0), (w * mm, d * mm), (0, d * mm)], close=True,
                           dxfattribs={"layer": "A-SITE"})
    for n, outline in enumerate(storeys):
        points = outline if isinstance(outline, list) else [
            (outline[0], outline[1]), (outline[2], outline[1]), (outline[2], outline[3]), (outline[0], outline[3])]
        msp.add_lwpolyline([(x * mm, y * mm) for x, y in points], close=True,
                           dxfattribs={"layer": f"A-FLOOR-{n:02d}", "elevation": n * 3.2 * mm})
    if roof is not None and storeys:
        x0, y0, x1, y1 = storeys[-1]
        msp.add_lwpolyline([(x0 * mm, y0 * mm), (x1 * mm, y0 * mm), (x1 * mm, y1 * mm), (x0 * mm, y1 * mm)],
                           close=True, dxfattribs={"layer": "A-ROOF", "elevation": roof * mm})
    for i in range(parking):
        msp.add_blockref("PARKING", (i * 2600, 100), dxfattribs={"layer": "A-PARKING"})
    for i in range(units):
        msp.add_blockref("UNIT", (i * 5000, 9000), dxfattribs={"layer": "A-UNIT"})
    if extra:
        extra(msp, mm)
    out = io.StringIO()
    doc.write(out)
    return out.getvalue().encode()


def from_north(lot, depth, width_share=1.0):
    """A footprint rectangle of the lot's width (times ``width_share``) reaching ``depth`` m from the north."""
    w, d = lot
    return (0.0, d - depth, w * width_share, d)
