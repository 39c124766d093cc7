"""The plan check on the pages (issue 31): the counter's "check the drawing first" (``/plan-check/``), the
citizen's or their designer's from home (``/citizen/plan-check/``), each for one parcel (``?parcel=``) before a
file is opened; and on a file's page, a drawing checked for the file and kept with it (``views.file_page``)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from panjereh import access
from panjereh.citymap.models import Parcel
from panjereh.citymap.vocabulary import LandUse
from panjereh.core.ids import id_or_zero
from panjereh.plancheck.models import PlanCheck, PlanCheckJob
from panjereh.web.citizen import _citizen, _signed_in
from panjereh.web.plan_forms import run_check


def _page(request, parcel, *, actor, base):
    plan, problems = None, []
    if request.method == "POST":
        plan, problems = run_check(request, parcel=parcel, actor=actor)
        if isinstance(plan, PlanCheckJob):
            return redirect("plan-check-job", token=plan.token)
    elif request.GET.get("check"):
        plan = PlanCheck.objects.filter(parcel=parcel, number=request.GET["check"].upper()).first()
    return render(request, "web/plan_check.html", {
        "parcel": parcel, "plan": plan, "problems": problems, "land_uses": LandUse.choices, "base": base,
        "post": request.POST}, status=400 if problems else 200)


@login_required
@require_http_methods(["GET", "POST"])
def staff_page(request):
    if not access.can_view_parcels(request.user):
        raise PermissionDenied("parcels are for staff")
    parcel = access.visible_parcels(request.user).filter(pk=id_or_zero(request.GET.get("parcel"))).first()
    if parcel is None:
        raise Http404("no such parcel")
    return _page(request, parcel, actor=request.user, base="plan-check")


@_signed_in
@require_http_methods(["GET", "POST"])
def citizen_page(request):
    _citizen(request)
    parcel = Parcel.objects.filter(pk=id_or_zero(request.GET.get("parcel"))).first()
    if parcel is None:
        raise Http404("no such parcel")
    return _page(request, parcel, actor=None, base="citizen-plan-check")


def job_page(request, token):
    """A large drawing's check in the worker: its progress (the page refreshes itself), then its findings.
    Reached by its unguessable address only, as a verify page is."""
    job = get_object_or_404(PlanCheckJob.objects.select_related("parcel", "result"), token=token)
    return render(request, "web/plan_check_job.html", {"job": job, "plan": job.result, "parcel": job.parcel})
