"""The plan check's printable report: a Persian PDF with the numbered findings and a figure of the ground floor
on the lot, in the verifiable-paper scheme of the permits (rendered once, stored with its SHA-256, a public
verify address and its QR code). Rendered the first time someone asks for it."""

from django.conf import settings

from panjereh.core.calendar import jalali
from panjereh.permits import pdf
from panjereh.permits.paper_contexts import qr_svg

FIGURE = 200  # the figure's side in px


def figure_svg(outlines: dict) -> str:
    """The lot (outline), the ground floor (filled) and the street line (dashed: the planned edge of each street
    beside the lot) as an SVG, north up, scaled to fit."""
    rings = [r for key in ("site", "ground", "streets") for r in outlines.get(key, [])]
    points = [p for r in rings for p in r]
    if not points:
        return ""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    k = (FIGURE - 20) / span

    def path(ring, closed=True):
        return " ".join(f"{'M' if i == 0 else 'L'}{10 + (x - min(xs)) * k:.1f},{FIGURE - 10 - (y - min(ys)) * k:.1f}"
                        for i, (x, y) in enumerate(ring)) + (" Z" if closed else "")

    site = "".join(f'<path d="{path(r)}" fill="none" stroke="#333" stroke-width="2"/>' for r in outlines.get("site", []))
    ground = "".join(f'<path d="{path(r)}" fill="#7aa6c2" fill-opacity="0.6" stroke="#0b4f71"/>'
                     for r in outlines.get("ground", []))
    streets = "".join(f'<path d="{path(r, closed=False)}" fill="none" stroke="#a33" stroke-width="1.5" '
                      f'stroke-dasharray="4 3"/>' for r in outlines.get("streets", []))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{FIGURE}" height="{FIGURE}" '
            f'viewBox="0 0 {FIGURE} {FIGURE}">{site}{ground}{streets}'
            f'<path d="M{FIGURE - 12},28 L{FIGURE - 12},8 M{FIGURE - 16},14 L{FIGURE - 12},8 L{FIGURE - 8},14" '
            f'stroke="#333" fill="none"/><text x="{FIGURE - 16}" y="40" font-size="11">N</text></svg>')


def verify_url(plan) -> str:
    return f"{settings.PANJEREH_PUBLIC_URL}/plan-check/verify/{plan.verification_code}/"


def context(plan) -> dict:
    return {"plan": plan, "parcel": plan.parcel, "figure": figure_svg(plan.outlines),
            "created_jalali": jalali(plan.created_at), "verify_url": verify_url(plan), "qr": qr_svg(verify_url(plan)),
            "failed": sum(f["status"] == "fail" for f in plan.findings),
            "unknown": sum(f["status"] == "unknown" for f in plan.findings)}


def report_pdf(plan) -> tuple[str, str]:
    """The report's PDF (storage name, SHA-256), rendered and stored once."""
    return pdf.stored_pdf(plan, "plancheck/report.html", context(plan), f"plancheck/report-{plan.number}")
