"""Construction supervised by phase (``permits.services.supervision``), on two desks:

- the supervising engineer's, from home (``/citizen/supervision/``): they sign in as any citizen does, with
  the national ID and mobile the engineering register holds, see the buildings they supervise and report the
  next phase of each with photos;
- the municipality's inspectors' (``/inspections/``): the phases waiting for their inspection, the earliest
  due first, each with the engineer's report and photos, passed or failed with findings and a photo."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from panjereh import access
from panjereh.core import uploads
from panjereh.core.calendar import local_date
from panjereh.core.ids import id_or_zero
from panjereh.core.text import Localized
from panjereh.permits import risk, services
from panjereh.permits.models import BuildingInspection, ConstructionPhase, PhasePhoto
from panjereh.permits.services import supervision
from panjereh.web.citizen import _citizen, _signed_in


def _engineer(request):
    engineer = supervision.engineer_signed_in(_citizen(request))
    if engineer is None:
        raise PermissionDenied("not an engineer of the register")
    return engineer


def _supervised(engineer, code):
    app = supervision.supervised_files(engineer).filter(tracking_code=str(code).upper()).first()
    if app is None:
        raise Http404("no building of yours")
    return app


def _image(name: str, content_type: str, sha256: str = ""):
    response = FileResponse(uploads.open_stored(name), content_type=content_type)
    if sha256:
        response["X-Content-SHA256"] = sha256
    return response


@_signed_in
def supervised(request):
    """The buildings the signed-in engineer supervises, each with its next phase."""
    engineer = _engineer(request)
    rows = [{"app": app, "class": risk.of_file(app), "phases": supervision.phases(app)}
            for app in supervision.supervised_files(engineer)[:200]]
    return render(request, "web/supervision_list.html", {"engineer": engineer, "rows": rows})


@_signed_in
@require_http_methods(["GET", "POST"])
def supervised_file(request, code):
    """One building: its phases, and the report of the next one (conforming or not, with photos)."""
    engineer = _engineer(request)
    app = _supervised(engineer, code)
    message = None
    if request.method == "POST":
        try:
            services.report_phase(engineer=engineer, application=app, phase=request.POST.get("phase", ""),
                                  conforms=request.POST.get("conforms") == "yes", notes=request.POST.get("notes", ""),
                                  photos=request.FILES.getlist("photos"))
            messages.success(request, _("The report of the %(phase)s phase is sent.")
                             % Localized({"phase": ConstructionPhase(request.POST["phase"]).label}))
            return redirect("supervised-file", code=app.tracking_code)
        except (services.ApplicationError, services.Conflict) as exc:
            message = str(exc)
    rows = supervision.phases(app)
    open_row = next((r for r in rows if r["state"] in ("waiting", "nonconforming", "inspection_failed")), None)
    return render(request, "web/supervision_file.html", {
        "engineer": engineer, "app": app, "phases": rows, "risk_class": risk.of_file(app), "message": message,
        "next": open_row if app.status == app.Status.ISSUED else None, "photo_url": "supervised-photo",
        "photo_arg": app.tracking_code, "own_reports": True}, status=400 if message else 200)


@_signed_in
def supervised_photo(request, code, pk):
    app = _supervised(_engineer(request), code)
    photo = PhasePhoto.objects.filter(report__application=app, pk=pk).first()
    if photo is None:
        raise Http404("no such photo")
    return _image(photo.file, photo.content_type, photo.sha256)


@login_required
def file_phase_photo(request, pk, photo):
    """A phase report's photo, for whoever may read the file."""
    if not access.visible_applications(request.user).filter(pk=pk).exists():
        raise Http404("no such file")
    item = PhasePhoto.objects.filter(report__application_id=pk, pk=photo).first()
    if item is None:
        raise Http404("no such photo")
    return _image(item.file, item.content_type, item.sha256)


@login_required
def inspection_photo(request, pk):
    """The inspector's photo of an inspection, for whoever may read its file."""
    inspection = BuildingInspection.objects.filter(pk=pk).exclude(photo="").first()
    if inspection is None or not access.visible_applications(request.user).filter(
            pk=inspection.application_id).exists():
        raise Http404("no such photo")
    return _image(inspection.photo, "image/png" if inspection.photo.endswith(".png") else "image/jpeg")


@login_required
def inspections(request):
    """The municipality's building inspections waiting in the cities the inspector works in."""
    if not access.can_inspect_buildings(request.user):
        raise PermissionDenied("building inspections are the municipality's")
    files = access.visible_applications(request.user)
    if request.method == "POST":
        inspection = services.waiting_inspections(files).filter(pk=id_or_zero(request.POST.get("inspection"))).first()
        if inspection is None:
            messages.error(request, _("This inspection is not waiting."))
            return redirect("construction-inspections")
        try:
            services.record_building_inspection(actor=request.user, inspection=inspection,
                                                passed=request.POST.get("result") == "pass",
                                                findings=request.POST.get("findings", ""),
                                                photo=request.FILES.get("photo"))
        except (services.ApplicationError, services.Conflict) as exc:
            messages.error(request, str(exc))
            return redirect("construction-inspections")
        messages.success(request, _("The inspection of file %(code)s is recorded.")
                         % Localized({"code": inspection.application.tracking_code}))
        return redirect("construction-inspections")
    inspector = supervision.inspector_of(request.user)
    waiting = list(services.waiting_inspections(files)[:100])
    for item in waiting:
        item.admitted = inspector is not None and risk.grade_admits(inspector.grade, item.risk_class)
    return render(request, "web/inspections.html", {"inspections": waiting, "inspector": inspector,
                                                    "today": local_date(timezone.now())})
