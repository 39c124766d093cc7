"""Opening a file (at a counter or from home) and amending a refused one: the map and the zoning checked, one open file
per parcel and permit type, every agency concerned reviewing at once; and the estimate of what it will cost."""

import datetime
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh.agencies import fees
from panjereh.agencies.codes import MUNICIPALITY
from panjereh.agencies.queries import municipality_of
from panjereh.agencies.models import Agency, Service
from panjereh.citymap.services import feasibility
from panjereh.core import audit, service_tx
from panjereh.core.calendar import add_working_days, local_date
from panjereh.core.text import Localized
from panjereh.permits import locks, transitions, zoning
from panjereh.permits.models import Applicant, Application, ReviewTask, ServiceRequest
from panjereh.permits.services import documents
from panjereh.permits.services.base import ApplicationError, Conflict, tell_applicant

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def _tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))


def _due(agency: Agency, now, city_id: int | None = None) -> datetime.date:
    """An agency's deadline for a file opened ``now``: its review days counted in the file's city's working days
    (a closure declared for that city moves it; one declared for another does not)."""
    return add_working_days(local_date(now), agency.review_days, city_id)


def submit_application(*, actor, parcel, applicant: dict, permit: dict, services: dict[str, dict],
                       office=None, channel: str = "counter", identity_verified: bool | None = None,
                       hold_for_check: bool = False) -> Application:
    """Open a file: check the map and the zoning, then give every agency concerned its task at once.

    ``applicant``: kind, national_id, name, mobile (already validated);
    ``permit``: permit_type, land_use, floors, units, gross_floor_area, parking_spaces;
    ``services``: {service code: {"timing": now|later|not_needed, "size": {...}}} for every service.
    A file sent from home (``channel="online"``) with ``hold_for_check`` waits for the document check
    (:func:`accept_documents`) before any agency receives it.
    """
    known = {s.code: s for s in Service.objects.select_related("agency")}
    unknown = set(services) - set(known)
    if unknown:
        raise ApplicationError("services", _("Unknown services: %(codes)s.")
            % Localized({"codes": "، ".join(sorted(unknown))}))
    missing = set(known) - set(services)
    if missing:
        raise ApplicationError("services", _("Say now, later or not needed for each of: %(codes)s.")
                               % Localized({"codes": "، ".join(sorted(missing))}))
    # Fees are configuration: compute them now so that a size no schedule knows is refused at the counter.
    water_size = services.get("water", {}).get("size") or None
    for code, choice in services.items():
        if choice["timing"] != "not_needed":
            try:
                fees.service_fee(code, land_use=permit["land_use"], units=permit["units"], size=choice.get("size", {}),
                                 city_id=parcel.city_id,
                                 water_size=water_size)
            except fees.FeeError as exc:
                raise ApplicationError(f"services.{exc.field}", str(exc)) from exc
    now = timezone.now()
    with service_tx.atomic():
        if channel == Application.Channel.ONLINE:
            _limit_open_files_from_home(applicant["national_id"])
        _refuse_second_open_file(parcel.pk, permit["permit_type"],
                                 asked_by_national_id=applicant["national_id"] if channel == "online" else None)
        # The person is found by national ID and never rewritten; this file keeps what was given on it.
        try:
            with transaction.atomic():
                person, _created = Applicant.objects.get_or_create(national_id=applicant["national_id"], defaults={
                    "kind": applicant["kind"], "name": applicant["name"], "mobile": applicant["mobile"]})
        except IntegrityError:  # the same person applying at two counters at once
            person = Applicant.objects.get(national_id=applicant["national_id"])
        wanted = [known[c] for c, choice in services.items() if choice["timing"] != "not_needed"]
        app = Application.objects.create(
            tracking_code=_tracking_code(), city_id=parcel.city_id, parcel=parcel, applicant=person, office=office,
            applicant_kind=applicant["kind"], applicant_name=applicant["name"], applicant_mobile=applicant["mobile"],
            created_by=audit.user_or_none(actor),
            permit_type=permit["permit_type"], land_use=permit["land_use"], floors=permit["floors"],
            units=permit["units"], gross_floor_area=permit["gross_floor_area"],
            parking_spaces=permit.get("parking_spaces", 0), address=permit.get("address", ""),
            address_checked=permit.get("address_checked"),
            designer_name=permit.get("designer_name", ""), designer_membership=permit.get("designer_membership", ""),
            supervisor_name=permit.get("supervisor_name", ""),
            supervisor_membership=permit.get("supervisor_membership", ""),
            documents=sorted(set(permit.get("documents", []))), channel=channel,
            identity_verified=identity_verified,
            status=Application.Status.AWAITING_CHECK if hold_for_check else Application.Status.UNDER_REVIEW,
            feasibility=feasibility(parcel, services=sorted(wanted, key=lambda s: s.code),
                                    sizes={c: choice.get("size") or {} for c, choice in services.items()}),
            planning_problems=zoning.planning_problems(parcel, land_use=permit["land_use"], floors=permit["floors"],
                                                      gross_floor_area=permit["gross_floor_area"]))
        for code, choice in sorted(services.items()):
            ServiceRequest.objects.create(application=app, service=known[code], timing=choice["timing"],
                                          size=choice.get("size", {}))
        documents._seen_originals(actor, app, app.documents)  # the originals the counter saw, with who and when
        agencies = [] if hold_for_check else _open_round(app, now)
        audit.record(actor=actor, action="application.submit", obj=app,
                     data={"tracking_code": app.tracking_code, "agencies": sorted(a.code for a in agencies)})
        audit.emit(event_type="application.submitted", agency_code=MUNICIPALITY, parcel_id=parcel.pk,
                   payload={"application": app.tracking_code})
        tell_applicant(app, "opened", f"opened:{app.tracking_code}", {"city": app.city.name_fa})
    return app


def _limit_open_files_from_home(national_id: str) -> None:
    """A person opens at most PANJEREH_CITIZEN_OPEN_FILES files from home while none of them is decided: one
    signed-in citizen must not be able to hold every parcel of a street with files nobody will ever check."""
    limit = settings.PANJEREH_CITIZEN_OPEN_FILES
    locks.applicant(national_id)  # two tabs at once
    waiting = Application.objects.filter(applicant__national_id=national_id, channel=Application.Channel.ONLINE,
                                         status=Application.Status.AWAITING_CHECK).count()
    if waiting >= limit:
        raise ApplicationError("parcel", _("You already have %(count)s files from home waiting for the document "
                                           "check; once they are checked you may open another.")
                               % Localized({"count": waiting}))


def _refuse_second_open_file(parcel_id: int, permit_type: str, this=None, asked_by_national_id: str | None = None) -> None:
    """One open file per parcel and permit type: a second one is refused, naming the first to staff. A citizen
    applying from home (``asked_by_national_id``) learns the first file's code and status only if it is their
    own: someone else's file on the parcel is said to exist, and where to ask. The parcel's row is locked
    first, so two counters cannot both open one (the caller's transaction)."""
    locks.parcel(parcel_id)
    others = Application.objects.filter(parcel_id=parcel_id, permit_type=permit_type) \
        .exclude(status__in=Application.CLOSED)
    if this is not None:
        others = others.exclude(pk=this.pk)
    open_file = others.select_related("applicant").first()
    if open_file is not None and asked_by_national_id is not None \
            and open_file.applicant.national_id != asked_by_national_id:
        raise ApplicationError("parcel", _("This parcel already has an open file of this permit type. Ask at the "
                                           "municipality or a counter office of the single window."))
    if open_file is not None:
        raise ApplicationError("parcel", _("This parcel already has an open file of this permit type: "
                                           "%(code)s (%(status)s); finish or withdraw it first.")
                              % Localized({"code": open_file.tracking_code, "status": open_file.get_status_display()}))


def _open_round(app: Application, now) -> list[Agency]:
    """Give every agency concerned its task of the file's current round, at once; returns those agencies."""
    agencies = {municipality_of(app.city_id)}
    agencies |= {sr.service.agency for sr in app.service_requests.select_related("service__agency")
                 if sr.timing == ServiceRequest.Timing.NOW and not sr.activated_at}
    agencies |= set(Agency.objects.filter(review_min_floors__isnull=False, review_min_floors__lte=app.floors,
                                          cities=app.city_id))
    ordered = sorted(agencies, key=lambda a: a.code)
    for agency in ordered:
        task = ReviewTask.objects.create(application=app, agency=agency, round=app.round, due_date=_due(agency, now, app.city_id))
        audit.emit(event_type="review.requested", agency_code=agency.code, parcel_id=app.parcel_id,
                   payload={"application": app.tracking_code, "due_date": task.due_date.isoformat(),
                            "round": app.round})
    return ordered


def resubmit_application(*, actor, application, permit: dict | None = None, note: str = "") -> Application:
    """The applicant amends a refused file and submits it again, on the same file number: the map and the
    zoning are checked anew and every agency concerned reviews the amended file in a new round, with the
    earlier rounds' decisions kept beside it. ``permit`` holds the amended request (as at submission)."""
    with service_tx.atomic():
        app = locks.application(application.pk)
        if not app.allows("resubmit"):
            raise Conflict(_("File %(code)s is %(status)s: only a refused file is amended and resubmitted.")
                           % Localized({"code": app.tracking_code, "status": app.get_status_display()}))
        changes = dict(permit or {})
        _refuse_second_open_file(app.parcel_id, changes.get("permit_type", app.permit_type), this=app)
        for field in ("permit_type", "land_use", "floors", "units", "gross_floor_area", "parking_spaces", "address",
                      "designer_name", "designer_membership", "supervisor_name", "supervisor_membership",
                      "documents"):
            if field in changes:
                setattr(app, field, changes[field])
        requested = [sr for sr in app.service_requests.select_related("service__agency")
                     if sr.timing == ServiceRequest.Timing.NOW]
        app.feasibility = feasibility(app.parcel, services=sorted((sr.service for sr in requested),
                                                                  key=lambda s: s.code),
                                      sizes={sr.service.code: sr.size or {} for sr in requested})
        app.planning_problems = zoning.planning_problems(app.parcel, land_use=app.land_use, floors=app.floors,
                                                        gross_floor_area=app.gross_floor_area)
        app.round += 1
        app.status = transitions.leads_to("resubmit")
        app.save()
        documents._seen_originals(actor, app, changes.get("documents") or [])  # originals newly seen at the counter
        now = timezone.now()
        agencies = _open_round(app, now)
        audit.record(actor=actor, action="application.resubmit", obj=app,
                     data={"round": app.round, "changes": {k: v for k, v in changes.items()}, "note": note[:500],
                           "agencies": [a.code for a in agencies]})
        audit.emit(event_type="application.resubmitted", agency_code=MUNICIPALITY, parcel_id=app.parcel_id,
                   payload={"application": app.tracking_code, "round": app.round})
    return app


def fee_lines(*, parcel, land_use: str, units: int, floor_area: float, parking: int, requests, only=None) -> list:
    """The lines of a bill: (agency, code, Persian and English description, integer rials).

    ``requests``: (service, timing, size) of each service. With ``only`` None: the permit fee and every 'now'
    service; else that one service. Used for the bill and, before a file exists, for the counter's estimate.
    """
    lines = []
    if only is None:
        schedule = fees.schedule("permit", parcel.city_id)
        amount = fees.municipal_permit(schedule.params, land_use=land_use, floor_area=floor_area, units=units,
                                       parking=parking, parcel_area=parcel.area_m2,
                                       regional_value=parcel.regional_value)
        # the permit fee is the parcel's city's municipality's, whichever schedule computed it
        lines.append((municipality_of(parcel.city_id), "permit", "عوارض صدور پروانه ساختمانی", "Building permit fee",
                      amount))
    water_size = next((size for service, _, size in requests if service.code == "water"), None)
    for service, timing, size in requests:
        if (only is None and timing == "now") or service.code == only:
            amount = fees.service_fee(service.code, land_use=land_use, units=units, size=size, water_size=water_size,
                                      city_id=parcel.city_id)
            lines.append((service.agency, service.code, f"هزینه {service.name_fa}", f"{service.name_en} fee", amount))
    return lines


def estimate(*, parcel, permit: dict, services: dict[str, dict]) -> dict:
    """What the counter shows before a file is opened (nothing is written): the map's feasibility for the
    services wanted now, the zoning problems, and the fee estimate with its total in integer rials."""
    known = {s.code: s for s in Service.objects.select_related("agency")}
    wanted = sorted((known[c] for c, choice in services.items() if c in known and choice["timing"] == "now"),
                    key=lambda s: s.code)
    requests = [(known[c], choice["timing"], choice.get("size", {})) for c, choice in sorted(services.items())
                if c in known]
    try:
        lines = fee_lines(parcel=parcel, land_use=permit["land_use"], units=permit["units"],
                          floor_area=permit["gross_floor_area"], parking=permit.get("parking_spaces", 0),
                          requests=requests)
    except fees.FeeError as exc:
        raise ApplicationError(exc.field, str(exc)) from exc
    return {"feasibility": feasibility(parcel, services=wanted,
                                       sizes={c: choice.get("size") or {} for c, choice in services.items()}),
            "planning_problems": zoning.planning_problems(parcel, land_use=permit["land_use"], floors=permit["floors"],
                                                         gross_floor_area=permit["gross_floor_area"]),
            "lines": [{"agency": a, "code": c, "fa": fa, "en": en, "amount": amt} for a, c, fa, en, amt in lines],
            "total": sum(line[4] for line in lines)}
