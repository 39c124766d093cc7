"""The coordination page of street works: every agency's works on one map and in one table, for a period,
with the conflicts found between them and the streets under moratorium; the municipality decides the
excavation permits there. Each agency's staff see all works (dig once); the commission sees the whole city."""

from urllib.parse import quote

import shapely
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from panjereh import access
from panjereh.agencies.codes import MUNICIPALITY
from panjereh.agencies.models import Agency, RefusalReason
from panjereh.citymap import crs as crsmod
from panjereh.citymap import fence, geojson, tiles
from panjereh.core import uploads
from panjereh.core.calendar import local_date, parse_day
from panjereh.core.ids import id_or_zero
from panjereh.core.text import Localized, normalize_digits, parse_int
from panjereh.billing import services as billing
from panjereh.billing.models import Bill
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
    if not access.can_decide_excavation(request.user):
        raise PermissionDenied("excavation permits are decided by the municipality")
    works = get_object_or_404(Works, pk=request.POST.get("works"))
    services.decide_permit(actor=request.user, works=works, decision=request.POST.get("decision", ""),
                           conditions=request.POST.get("conditions", ""),
                           reason_number=request.POST.get("reason") or None)


def _transfer(request):
    if not access.can_record_agency_payment(request.user):
        raise PermissionDenied("an agency's payment is recorded by the municipality, its payee")
    bill = get_object_or_404(Bill, pk=request.POST.get("bill"), application__isnull=True)
    try:
        amount = parse_int(request.POST.get("amount", ""))
    except ValueError as exc:
        raise billing.BillingError("amount", str(exc)) from None
    billing.record_transfer(actor=request.user, bill=bill, amount=amount, reference=request.POST.get("reference", ""))


def _inspect(request):
    if not access.can_inspect_works(request.user):
        raise PermissionDenied("inspections are recorded by the municipality")
    inspection = get_object_or_404(fence.within(request.user, Inspection.objects, "works__geom"),
                                   pk=id_or_zero(request.POST.get("inspection", "")))
    services.record_inspection(actor=request.user, inspection=inspection, passed=request.POST.get("passed") == "yes",
                               defects=request.POST.get("defects", ""), photo=request.FILES.get("photo"))


def _own_works(request) -> Works:
    works = get_object_or_404(fence.within(request.user, Works.objects, "geom").select_related("agency"),
                              pk=id_or_zero(request.POST.get("works", "")))
    if not access.can_manage_works(request.user, works.agency.code):
        raise PermissionDenied("an agency records its own works only")
    return works


def _apply(request):
    services.apply_for_permit(actor=request.user, works=_own_works(request))


def _progress(request):
    services.record_progress(actor=request.user, works=_own_works(request), status=request.POST.get("status", ""),
                             on=parse_day(request.POST.get("on", "")))


def _moratorium(request):
    if not access.can_decide_excavation(request.user):
        raise PermissionDenied("moratoria are the municipality's")
    since = parse_day(request.POST.get("since", ""))
    until = parse_day(request.POST.get("until", ""))
    if since is None or until is None:
        raise services.WorksError("until", _("Write the dates as 1405/09/20 (or 2026-12-10)."))
    services.register_moratorium(actor=request.user, street=request.POST.get("street", ""), since=since,
                                 until=until, surface=request.POST.get("surface", "asphalt"))


def _article103(request):
    if not access.can_decide_excavation(request.user):
        raise PermissionDenied("the Article 103 charge is the municipality's")
    charges = services.recover_unrestored()
    return _("%(n)s works charged under Article 103.") % Localized({"n": len(charges)})


ACTIONS = {"decide": _decide, "transfer": _transfer, "inspect": _inspect, "apply": _apply, "progress": _progress,
           "moratorium": _moratorium, "article103": _article103}
STATUS_FILTERS = {"live": list(queries.LIVE), "finished": ["completed", "interim_reinstatement",
                                                            "permanent_reinstatement", "guarantee_ended"],
                  **{code: [code] for code in Works.Status.values}}
PER_PAGE = 50
DRAWN = 2000  # works drawn on the page's map: the filter's, up to this many


@login_required
@require_http_methods(["GET", "POST"])
def coordination(request):
    """Every agency's works for a period (today, the next 30 days, the next year, all), conflicts, moratoria;
    the municipality's permit decisions."""
    if not access.can_view_works(request.user):
        raise PermissionDenied("street works are for the agencies' staff")
    message = None
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", "decide"))
        if action is None:
            raise PermissionDenied("unknown action")
        try:
            done = action(request)
            if done:
                messages.success(request, done)
            return redirect(request.get_full_path())
        except (services.WorksError, services.WorksConflictState, billing.BillingError, billing.BillingConflict,
                uploads.UploadError) as exc:
            message = str(exc)
    today = local_date(timezone.now())
    period = request.GET.get("period", "month")
    agency = request.GET.get("agency", "")
    status = request.GET.get("status", "")
    street = request.GET.get("street", "").strip()
    qs = fence.within(request.user, Works.objects, "geom").select_related("agency", "permit") \
        .exclude(status=Works.Status.CANCELLED)
    if agency:
        qs = qs.filter(agency__code=agency)
    if status in STATUS_FILTERS:
        qs = qs.filter(status__in=STATUS_FILTERS[status])
    if street:
        qs = qs.filter(pk__in=_on_street(qs, street))
    qs = queries.in_period(qs, period, today).order_by("start_date", "id")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    drawn = list(qs[:DRAWN])
    ids = {w.pk for w in drawn}
    conflicts = list(WorksConflict.objects.select_related("first__agency", "second__agency")
                     .filter(Q(first_id__in=[w.pk for w in rows]) | Q(second_id__in=[w.pk for w in rows]))
                     .order_by("-id")[:200])
    for w in rows:
        w.can_manage = access.can_manage_works(request.user, w.agency.code)
        w.next_steps = [(code, Works.Status(code).label) for code, before in services.ALLOWED_FROM.items()
                        if w.status in before] if w.can_manage else []
    query = "&".join(f"{k}={quote(v)}" for k, v in (("period", period), ("agency", agency), ("status", status),
                                                     ("street", street)) if v)
    return render(request, "works/coordination.html", {
        "rows": rows, "page": page, "query": query, "conflicts": conflicts, "period": period,
        "periods": list(queries.PERIODS), "agency": agency, "status": status, "street": street,
        "statuses": [("live", ""), ("finished", "")] + [(c, label) for c, label in Works.Status.choices
                                                         if c != Works.Status.CANCELLED], "agencies": Agency.objects.order_by("code"), "message": message,
        "can_register": _own_agency(request.user) is not None, "street_names": services.street_names(),
        "surfaces": Works.Surface.choices, "drawn_count": len(ids),
        "moratoria": Moratorium.objects.filter(until__gte=today).order_by("until")[:200],
        "can_decide": access.can_decide_excavation(request.user),
        "bills": list(agency_bills(request.user, unpaid_only=request.GET.get("bills") != "all")[:200])
        if access.works_bill_agency_ids(request.user) != set() else [],
        "can_record_transfer": access.can_record_agency_payment(request.user),
        "inspections": list(fence.within(request.user, Inspection.objects, "works__geom")
                            .select_related("works__agency").prefetch_related("photos")
                            .order_by("inspected_at", "-id")[:100]),
        "can_inspect": access.can_inspect_works(request.user),
        "reasons": RefusalReason.objects.filter(agency__code=MUNICIPALITY, active=True),
        "legend": [(Works.Status(code).label, colour) for code, colour in STATUS_COLOURS.items()],
        "map": {"type": "FeatureCollection", "features": geojson.features(drawn, _map_properties),
                "extent": list(crsmod.city_bbox_lonlat()), "colours": STATUS_COLOURS}}, status=400 if message else 200)


def _on_street(qs, street: str) -> list[int]:
    """The works of ``qs`` on the street typed: on exactly that street when it is a name of the map, else on
    every street whose name holds the text. (Matched here, not in SQL: SQLite keeps a JSON list's Persian
    names escaped, where neither ``contains`` nor ``icontains`` sees them.)"""
    rows = list(qs.values_list("id", "streets"))
    if any(street in names for _pk, names in rows):
        return [pk for pk, names in rows if street in names]
    return [pk for pk, names in rows if any(street in name for name in names)]


def _own_agency(user):
    """The agency whose works ``user`` registers (its GIS staff and reviewers), or None."""
    profile = access.staff_profile(user)
    if profile is None or profile.agency is None or not access.can_manage_works(user, profile.agency.code):
        return None
    return profile.agency


def _geometry_of(post) -> dict | None:
    """What the works cover: the line drawn on the map (GeoJSON in CRS84), else the street picked."""
    import json

    drawn = (post.get("geometry") or "").strip()
    if drawn:
        try:
            return json.loads(drawn)
        except ValueError:
            raise services.WorksError("geometry", _("The line drawn on the map could not be read; draw it again."))\
                from None
    line = services.street_line(post.get("street", ""))
    if line is None:
        raise services.WorksError("geometry", _("Draw the works on the map, or pick a street of the map."))
    return json.loads(shapely.to_geojson(crsmod.to_crs84(line)))


@login_required
@require_http_methods(["GET", "POST"])
def new_works(request):
    """An agency registers a forward plan, works or a resurfacing: drawn on the map or picked from the streets;
    the conflicts with other agencies' works are found at once (the same call as the API's)."""
    agency = _own_agency(request.user)
    if agency is None:
        raise PermissionDenied("an agency's GIS staff and reviewers register its works")
    error = None
    post = request.POST
    if request.method == "POST":
        try:
            start, end = parse_day(post.get("start_date", "")), parse_day(post.get("end_date", ""))
            for field, typed, day in (("start_date", post.get("start_date", ""), start),
                                      ("end_date", post.get("end_date", ""), end)):
                if typed.strip() and day is None:
                    raise services.WorksError(field, _("«%(typed)s» is not a date: write it as 1405/09/20 (or "
                                                       "2026-12-10).") % Localized({"typed": typed.strip()}))
            depth = normalize_digits(post.get("depth_m", "")).replace("٫", ".").strip()
            data = {"geometry": _geometry_of(post), "start_date": start, "end_date": end,
                    "reference": post.get("reference", ""), "title": post.get("title", ""),
                    "kind": post.get("kind", Works.Kind.WORKS), "works_class": post.get("works_class", "standard"),
                    "surface": post.get("surface", "asphalt"), "contact": post.get("contact", "")}
            if data["kind"] not in Works.Kind.values or (data["kind"] == Works.Kind.RESURFACING
                                                         and agency.code != MUNICIPALITY):
                raise services.WorksError("kind", _("Only the municipality resurfaces streets."))
            if depth:
                try:
                    data["depth_m"] = float(depth)
                except ValueError:
                    raise services.WorksError("depth_m", _("The depth must be a number of metres.")) from None
            works = services.register_works(actor=request.user, agency=agency, data=data)
            conflicts = WorksConflict.objects.filter(Q(first=works) | Q(second=works)).count()
            messages.success(request, _("Works %(reference)s registered on %(streets)s; %(n)s conflicts with other "
                                        "agencies' works.")
                             % Localized({"reference": works.reference, "streets": "، ".join(works.streets),
                                          "n": conflicts}))
            return redirect(f"/works/?period=all&agency={agency.code}")
        except services.WorksError as exc:
            error = {"field": exc.field, "text": str(exc)}
    
    drawn_layers = tiles.network_layers(request.user)
    return render(request, "works/new.html", {
        "agency": agency, "post": post, "error": error, "kinds": Works.Kind.choices,
        "classes": Works.WorksClass.choices, "surfaces": Works.Surface.choices,
        "street_names": services.street_names(),
        "map": {"extent": tiles.extent_of(drawn_layers), "tiles": drawn_layers, "draw": True,
                "features": []}}, status=400 if error else 200)
