"""The plan check's form read and run (a drawing, the use, the units), shared by the parcel's page and the file's
page: the sentences to show when the drawing is not checked."""

from django.utils.translation import gettext as _

from panjereh.core.text import parse_int
from panjereh.plancheck.services import PlanCheckError, submit_plan


def form_units(request):
    text = request.POST.get("units", "").strip()
    if not text:
        return None
    try:
        return parse_int(text)
    except ValueError as exc:
        raise PlanCheckError("units", [str(exc)]) from None


def run_check(request, *, parcel=None, application=None, actor=None):
    """Run the check the form asks for: (the check — or, for a large drawing, the worker's job — or None, the
    error sentences)."""
    upload = request.FILES.get("drawing")
    if upload is None:
        return None, [_("Choose the drawing to check (DXF or IFC).")]
    try:
        plan, _new = submit_plan(actor=actor, parcel=parcel, application=application, upload=upload,
                                 land_use=request.POST.get("land_use", ""), units=form_units(request))
    except PlanCheckError as exc:
        return None, exc.problems
    return plan, []
