"""Running a plan check: the upload read within the size limit, recognised by its content, read by the
convention, measured against the parcel, stored once and kept under a check number. A drawing that cannot be
checked is refused with the list of what is wrong; nothing is kept then."""

import contextlib
import hashlib
import os
import secrets
import tempfile

import shapely
from django.contrib.gis.gdal import GDALException

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from panjereh.citymap import crs as crsmod
from panjereh.citymap import public_layers
from panjereh.citymap.vocabulary import LandUse
from panjereh.core import audit, service_tx, uploads
from panjereh.core.errors import FieldError
from panjereh.core.text import Localized
from panjereh.plancheck import check, dxf_reader, ifc_reader, placement
from panjereh.plancheck.models import PlanCheck, PlanCheckJob

NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class PlanCheckError(FieldError):
    """The drawing is not checked: ``field`` and the sentences saying why (``problems``)."""

    def __init__(self, field: str, problems: list[str]):
        super().__init__(field, "؛ ".join(problems))
        self.problems = problems


def _format(head: bytes) -> str:
    head = head[:4096].lstrip()
    if head.startswith(b"ISO-10303-21"):
        return PlanCheck.Format.IFC
    if head.startswith(b"PK\x03\x04"):
        raise PlanCheckError("file", [_("A compressed file (ifcZIP or zip) is not accepted: send the drawing "
                                        "itself, DXF or IFC.")])
    if head[:18] == b"AutoCAD Binary DXF" or head.startswith(b"0") or b"SECTION" in head[:64]:
        return PlanCheck.Format.DXF
    raise PlanCheckError("file", [_("This is neither a DXF nor an IFC drawing.")])


def _georeferenced_lot(georeference: dict | None) -> shapely.Polygon | None:
    """The lot where the model's IfcMapConversion puts it, in the storage CRS; None without one (or with a CRS
    this machine cannot transform from)."""
    if not georeference:
        return None
    try:
        return crsmod.to_storage(shapely.from_wkt(georeference["polygon"]), georeference["crs"])
    except (ValueError, RuntimeError, GDALException):
        return None


def _number() -> str:
    return "PC-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


def _outlines(drawing, street_lines=()) -> dict:
    """The lot, the ground floor's outline and the street lines near the lot as placed (metres, north up), from
    the lot's south-west corner — the report's figure needs their shape, not where the parcel lies."""
    x0, y0 = drawing.site.bounds[:2]

    def points(coords):
        return [[round(x - x0, 3), round(y - y0, 3)] for x, y in coords]

    def rings(geometry):
        parts = getattr(geometry, "geoms", [geometry])
        return [points(part.exterior.coords) for part in parts if hasattr(part, "exterior")]
    return {"site": rings(drawing.site), "ground": rings(drawing.storeys[0]),
            "streets": [points(line.coords) for line in street_lines]}


def _normalise(parcel, application, land_use, units):
    if application is not None:
        parcel = application.parcel
        land_use = land_use or application.land_use
        units = units if units is not None else application.units
    land_use = land_use or parcel.land_use
    if land_use not in LandUse.values:
        raise PlanCheckError("land_use", [_("Unknown land use «%(use)s».") % Localized({"use": land_use})])
    if units is not None and not 1 <= units <= 500:
        raise PlanCheckError("units", [_("Units: a number from 1 to 500.")])
    return parcel, land_use, units


@contextlib.contextmanager
def _spooled(upload):
    """The upload written to a temporary file within the size limit (its path), removed afterwards: a drawing
    is read from a file, never held whole in memory."""
    with tempfile.NamedTemporaryFile(prefix="plancheck-") as handle:
        try:
            uploads.spool(upload, "file", handle)
        except uploads.UploadError as exc:
            raise PlanCheckError(exc.field, [str(exc)]) from None
        yield handle.name


def _head(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(4096)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_plan(*, actor, parcel=None, upload, land_use: str = "", units: int | None = None,
               application=None) -> tuple[PlanCheck, bool]:
    """Check a drawing against ``parcel`` — or against a file's parcel, for the file's use and units, kept with
    the file (``application``); returns (the check, whether it is new). The same drawing checked again on the
    same parcel for the same use (and file) is the same check: its number does not change."""
    parcel, land_use, units = _normalise(parcel, application, land_use, units)
    with _spooled(upload) as path:
        return check_file(actor=actor, parcel=parcel, application=application, path=path,
                          original_name=str(getattr(upload, "name", "")), land_use=land_use, units=units)


def inline_bytes() -> int:
    """Drawings of this size and more are checked by the worker (the person sees the progress)."""
    return int(getattr(settings, "PANJEREH_PLANCHECK_INLINE_BYTES", 8 * 1024 * 1024))


def submit_plan(*, actor, parcel=None, upload, land_use: str = "", units: int | None = None,
                application=None) -> tuple[PlanCheck | PlanCheckJob, bool]:
    """A small drawing checked now (its PlanCheck, and whether it is new); a large one stored and handed to
    the worker (its PlanCheckJob, whose progress the page shows). What is not a drawing is refused at once."""
    parcel, land_use, units = _normalise(parcel, application, land_use, units)
    with _spooled(upload) as path:
        size = os.path.getsize(path)
        if size < inline_bytes():
            return check_file(actor=actor, parcel=parcel, application=application, path=path,
                              original_name=str(getattr(upload, "name", "")), land_use=land_use, units=units)
        kind = _format(_head(path))
        with open(path, "rb") as handle:
            name = default_storage.save(f"plancheck/pending/{secrets.token_hex(8)}.{kind}", File(handle))
    with service_tx.atomic():
        job = PlanCheckJob.objects.create(token=secrets.token_urlsafe(18), parcel=parcel, application=application,
                                          file=name, original_name=str(getattr(upload, "name", ""))[:200],
                                          land_use=land_use, units=units, created_by=audit.user_or_none(actor))
        audit.record(actor=actor, action="plancheck.queued", obj=job, data={"parcel": parcel.pk, "bytes": size})
    return job, True


def check_file(*, actor, parcel, application, path: str, original_name: str, land_use: str,
               units: int | None, progress=None) -> tuple[PlanCheck, bool]:
    """The check itself, of the drawing in the file at ``path`` (``progress(percent)`` told as it goes, if
    given). The drawing is read from the file, hashed and stored a chunk at a time."""
    kind = _format(_head(path))
    digest = _sha256(path)
    size = os.path.getsize(path)
    existing = PlanCheck.objects.filter(parcel=parcel, sha256=digest, land_use=land_use, units=units,
                                        application=application).first()
    if existing:
        return existing, False
    georeferenced = model_use = None
    try:
        if kind == PlanCheck.Format.IFC:
            drawing, extra = ifc_reader.read_file(path, progress=progress)
            georeferenced, model_use = _georeferenced_lot(extra.get("georeference")), extra.get("use")
        else:
            drawing = dxf_reader.read_file(path, progress=progress)
    except dxf_reader.DrawingError as exc:
        raise PlanCheckError("file", exc.problems) from None
    parcel_shape = shapely.from_wkb(bytes(parcel.geom.wkb))
    placed = placement.place(drawing, parcel_shape, georeferenced)
    streets = public_layers.streets_beside(parcel)
    measured, found = check.findings(placed, parcel, land_use=land_use, units=units, model_use=model_use,
                                     streets=streets)
    name = f"plancheck/{digest}.{kind}"
    if not default_storage.exists(name):
        with open(path, "rb") as handle:
            name = default_storage.save(name, File(handle))
    with service_tx.atomic():
        plan = PlanCheck.objects.create(
            number=_number(), parcel=parcel, format=kind, file=name, original_name=original_name[:200],
            size=size, sha256=digest, land_use=land_use, units=units, measured=measured, findings=found,
            application=application, outlines=_outlines(placed.drawing, check.street_lines(streets, parcel_shape)),
            verification_code=secrets.token_urlsafe(18),
            passed=all(f["status"] == check.PASS for f in found), created_by=audit.user_or_none(actor))
        audit.record(actor=actor, action="plancheck.checked", obj=plan,
                     data={"parcel": parcel.pk, "sha256": digest, "passed": plan.passed,
                           "application": application.tracking_code if application else None,
                           "failed": [f["rule"] for f in found if f["status"] == check.FAIL]})
    return plan, True
