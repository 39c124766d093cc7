"""The coordination page of street works: every agency's works on one map and in one table, for a period,
with the conflicts found between them and the streets under moratorium; the municipality decides the
excavation permits there. Each agency's staff see all works (dig once); the commission sees the whole city."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from panjereh.agencies.models import Agency, RefusalReason
from panjereh.citymap import crs as crsmod
from panjereh.citymap import geojson
from panjereh.core import permissions, uploads
from panjereh.core.calendar import local_date
from panjereh.core.text import normalize_digits
from panjereh.permits import services as billing
from panjereh.permits.models import Bill
from panjereh.works import queries, services
from panjereh.works.api import agency_bills
from panjereh.works.models import Inspection, Moratorium, Works, WorksConflict

STATUS_COLOURS = {"planned": "#6c757d", "applied": "#c56a00", "permitted": "#2e7d32", "deemed_permitted": "#2e7d32",
                  "refused": "#9d0000", "in_progress": "#0b4f6c", "completed": "#5c6bc0",
                  "interim_reinstatement": "#8e24aa", "permanent_reinstatement": "#8e24aa",
                  "guarantee_ended": "#9e9e9e", "cancelled": "#9e9e9e"}


def _map_properties(works: Works) -> dict:
    return {"status": works.status, "agency": works.agency.code, "reference": works.reference,
            "colour": STATUS_COLOURS.get(works.status, "#444")}


def _decide(request):
    if not permissions.can_decide_excavation(request.user):
        raise PermissionDenied("excavation permits are decided by the municipality")
    works = get_object_or_404(Works, pk=request.POST.get("works"))
    services.decide_permit(actor=request.user, works=works, decision=request.POST.get("decision", ""),
                           conditions=request.POST.get("conditions", ""),
                           reason_number=request.POST.get("reason") or None)


def _transfer(request):
    if not permissions.can_record_agency_payment(request.user):
        raise PermissionDenied("an agency's payment is recorded by the municipality, its payee")
    bill = get_object_or_404(Bill, pk=request.POST.get("bill"), application__isnull=True)
    try:
        amount = int(normalize_digits(request.POST.get("amount", "")).replace(",", "").replace("٬", ""))
    except ValueError:
        raise billing.ApplicationError("amount", _("The amount must be a whole number of rials.")) from None
    billing.record_transfer(actor=request.user, bill=bill, amount=amount, reference=request.POST.get("reference", ""))


def _inspect(request):
    if not permissions.can_inspect_works(request.user):
        raise PermissionDenied("inspections are recorded by the municipality")
    inspection = get_object_or_404(Inspection, pk=request.POST.get("inspection"))
    services.record_inspection(actor=request.user, inspection=inspection, passed=request.POST.get("passed") == "yes",
                               defects=request.POST.get("defects", ""), photo=request.FILES.get("photo"))


ACTIONS = {"decide": _decide, "transfer": _transfer, "inspect": _inspect}


@login_required
@require_http_methods(["GET", "POST"])
def coordination(request):
    """Every agency's works for a period (today, the next 30 days, the next year, all), conflicts, moratoria;
    the municipality's permit decisions."""
    if not permissions.can_view_works(request.user):
        raise PermissionDenied("street works are for the agencies' staff")
    message = None
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", "decide"))
        if action is None:
            raise PermissionDenied("unknown action")
        try:
            action(request)
            return redirect(request.get_full_path())
        except (services.WorksError, services.WorksConflictState, billing.ApplicationError, billing.Conflict,
                uploads.UploadError) as exc:
            message = str(exc)
    today = local_date(timezone.now())
    period = request.GET.get("period", "month")
    agency = request.GET.get("agency", "")
    qs = Works.objects.select_related("agency", "permit").exclude(status=Works.Status.CANCELLED)
    if agency:
        qs = qs.filter(agency__code=agency)
    rows = list(queries.in_period(qs, period, today).order_by("start_date", "id")[:500])
    ids = {w.pk for w in rows}
    conflicts = [c for c in WorksConflict.objects.select_related("first__agency", "second__agency").order_by("-id")[:200]
                 if c.first_id in ids or c.second_id in ids]
    return render(request, "works/coordination.html", {
        "rows": rows, "conflicts": conflicts, "period": period, "periods": list(queries.PERIODS), "agency": agency,
        "agencies": Agency.objects.order_by("code"), "message": message,
        "moratoria": Moratorium.objects.filter(until__gte=today).order_by("until")[:200],
        "can_decide": permissions.can_decide_excavation(request.user),
        "bills": list(agency_bills(request.user, unpaid_only=request.GET.get("bills") != "all")[:200])
        if permissions.works_bill_agency_ids(request.user) != set() else [],
        "can_record_transfer": permissions.can_record_agency_payment(request.user),
        "inspections": list(Inspection.objects.select_related("works__agency").prefetch_related("photos")
                            .order_by("inspected_at", "-id")[:100]),
        "can_inspect": permissions.can_inspect_works(request.user),
        "reasons": RefusalReason.objects.filter(agency__code="municipality", active=True),
        "legend": [(Works.Status(code).label, colour) for code, colour in STATUS_COLOURS.items()],
        "map": {"type": "FeatureCollection", "features": geojson.features(rows, _map_properties),
                "extent": list(crsmod.city_bbox_lonlat()), "colours": STATUS_COLOURS}}, status=400 if message else 200)
