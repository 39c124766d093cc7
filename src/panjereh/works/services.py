"""Every state change of street works: registering works, the excavation permit (applied, decided, deemed),
conflicts between agencies' works, progress and reinstatement, and the moratorium a resurfacing starts.

Each change is one transaction with its audit record and its outbox events (the agencies' systems hear of
conflicts and permits through the same webhooks as the single window's events)."""

import datetime
from fractions import Fraction

import shapely
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from panjereh.agencies import fees
from panjereh.agencies.codes import MUNICIPALITY
from panjereh.agencies.models import Agency, RefusalReason
from panjereh.billing import services as billing
from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Feature, Layer
from panjereh.citymap.services import SpatialInputError, dig_check, parse_dig_area
from panjereh.core import audit, service_tx, silence, uploads
from panjereh.core.calendar import add_working_days, local_date, working_days_between
from panjereh.core.errors import FieldError
from panjereh.core.models import OutboxEvent
from panjereh.core.text import Localized
from panjereh.works import queries
from panjereh.works.models import (
    ExcavationPermit,
    Inspection,
    InspectionPhoto,
    Moratorium,
    RecoveryCharge,
    SharedTrench,
    Works,
    WorksConflict,
)
from panjereh.works.rules import rules

STREETS_LAYER = "streets"


class WorksError(FieldError):
    """Works the register cannot take (``field`` and a translated sentence); nothing was written."""


class WorksConflictState(Exception):
    """The works are not in a state that allows this (already decided, not yet completed …)."""


def _streets_near(geom, distance_m: float) -> list[tuple[str, shapely.Geometry]]:
    """The named streets of the map within ``distance_m`` of a geometry: [(name as written, centre line)]."""
    layer = Layer.objects.filter(code=STREETS_LAYER).select_related("current_version").first()
    if layer is None or layer.current_version_id is None:
        return []
    from django.contrib.gis.measure import D

    target = _geos(geom)
    out = []
    for feature in Feature.objects.filter(version_id=layer.current_version_id,
                                          geom__dwithin=(target, D(m=distance_m))):
        name = (feature.attrs or {}).get("name_fa")
        if name:
            out.append((name, shapely.from_wkb(bytes(feature.geom.wkb))))
    return out


def _parse(data: dict) -> dict:
    """Check what the agency sent (GeoJSON in CRS84, dates, class, surface); WorksError naming the field."""
    try:
        area = parse_dig_area(data.get("geometry"), 0)
    except SpatialInputError as exc:
        raise WorksError(exc.field, str(exc)) from exc
    start, end = data.get("start_date"), data.get("end_date")
    if not isinstance(start, datetime.date) or not isinstance(end, datetime.date):
        raise WorksError("start_date", _("Give the start and end dates of the works."))
    if end < start:
        raise WorksError("end_date", _("The works cannot end (%(end)s) before they start (%(start)s).")
                         % Localized({"end": end.isoformat(), "start": start.isoformat()}))
    if data.get("works_class", "standard") not in Works.WorksClass.values:
        raise WorksError("works_class", _("The class of works must be one of %(known)s.")
                         % Localized({"known": ", ".join(Works.WorksClass.values)}))
    if data.get("surface", "asphalt") not in Works.Surface.values:
        raise WorksError("surface", _("The surface must be one of %(known)s.")
                         % Localized({"known": ", ".join(Works.Surface.values)}))
    return {"geometry": area.geometry, "start": start, "end": end}


def register_works(*, actor, agency: Agency, data: dict, connection_order=None) -> Works:
    """Record an agency's works on the map: on a street, not overlapping its own works on that street, not on
    a street under moratorium (except immediate works and new connections); then find every other agency's
    works it meets and tell each agency concerned."""
    checked = _parse(data)
    kind = data.get("kind", Works.Kind.WORKS)
    works_class = data.get("works_class", Works.WorksClass.STANDARD)
    street_rules = rules()
    streets = _streets_near(checked["geometry"], street_rules["street_distance_m"])
    if not streets:
        raise WorksError("geometry", _("The works are not on a street of the map (none within %(m)s m).")
                         % Localized({"m": float(street_rules["street_distance_m"])}))
    names = sorted({name for name, _line in streets})
    now = timezone.now()
    with service_tx.atomic():
        if kind != Works.Kind.PLAN and connection_order is None:
            # (a street's many connection trenches, raised by the single window, are separate jobs)
            _refuse_own_overlap(agency, names, checked)
        if kind != Works.Kind.PLAN:
            if works_class != Works.WorksClass.IMMEDIATE and connection_order is None:
                _refuse_moratorium(names, checked["start"])
                _refuse_seasonal_ban(checked["start"], checked["end"], street_rules["bans"])
            if works_class == Works.WorksClass.IMMEDIATE:
                _check_immediate_report(checked["start"], now, street_rules)
        works = Works.objects.create(
            agency=agency, reference=str(data.get("reference", "")).strip()[:64] or f"W-{now:%Y%m%d%H%M%S%f}",
            title=str(data.get("title", "")).strip()[:200], kind=kind, works_class=works_class,
            geom=_geos(checked["geometry"]), streets=names, depth_m=data.get("depth_m"),
            surface=data.get("surface", Works.Surface.ASPHALT), start_date=checked["start"],
            end_date=checked["end"], contact=str(data.get("contact", ""))[:200],
            created_by=audit.user_or_none(actor),
            connection_order=connection_order)
        audit.record(actor=actor, action="works.register", obj=works, data={"streets": names})
        if kind == Works.Kind.RESURFACING:
            _announce_resurfacing(works, street_rules["resurfacing_notice_days"])
        audit.emit(event_type="works.registered", agency_code=agency.code,
                   payload={"works": works.pk, "reference": works.reference, "streets": names,
                            "start": str(works.start_date), "end": str(works.end_date)})
        find_conflicts(works)
    return works


def _geos(geom):
    from django.contrib.gis.geos import GEOSGeometry

    return GEOSGeometry(shapely.to_wkb(geom, hex=True), srid=crsmod.STORAGE_SRID)


def _overlapping(qs, start, end, window_days: int = 0):
    """Works of ``qs`` whose dates overlap [start, end] widened by ``window_days`` on each side."""
    return qs.filter(start_date__lte=end + datetime.timedelta(days=window_days),
                     end_date__gte=start - datetime.timedelta(days=window_days))


def _on_streets(qs, names: list[str]):
    return [w for w in qs if set(w.streets) & set(names)]


def _refuse_own_overlap(agency, names, checked):
    mine = _overlapping(Works.objects.filter(agency=agency, status__in=Works.LIVE).exclude(kind=Works.Kind.PLAN),
                        checked["start"], checked["end"])
    clash = _on_streets(mine, names)
    if clash:
        raise WorksError("start_date", _("Your works %(reference)s are already on %(street)s in these dates; change "
                                         "those works instead of adding another.")
                         % Localized({"reference": clash[0].reference,
                                      "street": sorted(set(clash[0].streets) & set(names))[0]}))


def _refuse_moratorium(names, start):
    held = Moratorium.objects.filter(street__in=names, since__lte=start, until__gte=start).order_by("until").first()
    if held is not None:
        raise WorksError("geometry", _("%(street)s was resurfaced and may not be dug until %(until)s, except for "
                                       "emergencies and new connections.")
                         % Localized({"street": held.street, "until": held.until.isoformat()}))


def _refuse_seasonal_ban(start: datetime.date, end: datetime.date, bans: list[dict]):
    """No digging in a configured season (Jalali month-day ranges, which may cross the new year)."""
    import jdatetime

    day = start
    while day <= end and (day - start).days <= 400:
        j = jdatetime.date.fromgregorian(date=day)
        key = f"{j.month:02d}-{j.day:02d}"
        for ban in bans:
            inside = ban["from"] <= key <= ban["to"] if ban["from"] <= ban["to"] \
                else (key >= ban["from"] or key <= ban["to"])
            if inside:
                raise WorksError("start_date", _("Streets are not dug during %(season)s (%(date)s), except for "
                                                 "emergencies and new connections.")

                                     % Localized({"season": ban["name_en"] if (get_language() or "fa") == "en" else ban["name_fa"],
                                              "date": day.isoformat()}))
        day += datetime.timedelta(days=1)


def _announce_resurfacing(works: Works, notice_days: int):
    """Every agency hears of a planned resurfacing, so it can dig first: the moratorium follows it."""
    ahead = (works.start_date - local_date(timezone.now())).days
    for code in Agency.objects.exclude(pk=works.agency_id).values_list("code", flat=True):
        audit.emit(event_type="works.resurfacing_planned", agency_code=code,
                   payload={"works": works.pk, "streets": works.streets, "start": str(works.start_date),
                            "days_ahead": ahead, "short_notice": ahead < notice_days})


def _check_immediate_report(start, now, street_rules):
    hours = street_rules["classes"]["immediate"].get("report_within_hours", 2)
    started = datetime.datetime.combine(start, datetime.time.min, tzinfo=now.tzinfo)
    if (now - started).total_seconds() > (hours + 24) * 3600:  # the start is a date: allow its whole day
        raise WorksError("start_date", _("Emergency works are reported within %(hours)s hours of starting; works "
                                         "that started on %(start)s are reported late.")
                         % Localized({"hours": hours, "start": start.isoformat()}))


def find_conflicts(works: Works) -> list[WorksConflict]:
    """Every other agency's live works on the same street, within the conflict distance, whose dates overlap
    or fall within the window: recorded once per pair, and each agency told (outbox)."""
    conf = rules()
    from django.contrib.gis.measure import D

    # the database narrows by place (its spatial index) and dates; the street names are compared here
    candidates = _overlapping(Works.objects.filter(status__in=Works.LIVE, geom__dwithin=(
        works.geom, D(m=conf["conflict_distance_m"]))).exclude(agency=works.agency).exclude(pk=works.pk)
        .select_related("agency"), works.start_date, works.end_date, conf["conflict_window_days"])
    mine = shapely.from_wkb(bytes(works.geom.wkb))
    found = []
    for other in _on_streets(candidates, works.streets):
        distance = float(shapely.distance(mine, shapely.from_wkb(bytes(other.geom.wkb))))
        if distance > conf["conflict_distance_m"]:
            continue
        gap = max(0, (other.start_date - works.end_date).days, (works.start_date - other.end_date).days)
        first, second = sorted([works, other], key=lambda w: w.pk)
        conflict, created = WorksConflict.objects.get_or_create(first=first, second=second, defaults={
            "distance_m": round(distance, 2), "gap_days": gap})
        if created:
            found.append(conflict)
            for side, across in ((works, other), (other, works)):
                audit.emit(event_type="works.conflict", agency_code=side.agency.code,
                           payload={"works": side.pk, "reference": side.reference, "other_agency": across.agency.code,
                                    "other_works": across.pk, "streets": sorted(set(side.streets) & set(across.streets)),
                                    "distance_m": round(distance, 2), "gap_days": gap})
    return found


def find_all_conflicts() -> int:
    """Every conflict between the agencies' live works, found by one self-join in the database (a nightly run,
    or after a bulk import of agencies' plans); the pairs not recorded yet are recorded and both agencies
    told, in one transaction. Returns how many were new."""
    conf = rules()
    pairs = queries.conflict_pairs(conf["conflict_distance_m"], conf["conflict_window_days"])
    known = set(WorksConflict.objects.values_list("first_id", "second_id"))
    new = [p for p in pairs if (p[0], p[1]) not in known]
    if not new:
        return 0
    works = Works.objects.select_related("agency").in_bulk({i for p in new for i in p[:2]})
    with service_tx.atomic():
        WorksConflict.objects.bulk_create([WorksConflict(first_id=a, second_id=b, distance_m=round(d, 2),
                                                         gap_days=g) for a, b, d, g in new], batch_size=2000)
        events = []
        for a, b, d, g in new:
            for side, across in ((works[a], works[b]), (works[b], works[a])):
                events.append(OutboxEvent(event_type="works.conflict", agency_code=side.agency.code, payload={
                    "works": side.pk, "reference": side.reference, "other_agency": across.agency.code,
                    "other_works": across.pk, "streets": sorted(set(side.streets) & set(across.streets)),
                    "distance_m": round(d, 2), "gap_days": g}))
        OutboxEvent.objects.bulk_create(events, batch_size=2000)
    return len(new)


def apply_for_permit(*, actor, works: Works) -> ExcavationPermit:
    """Apply for the municipality's excavation permit: the class's minimum notice before the start (not for
    emergencies), no moratorium, the dig check run on the trench and kept with the permit."""
    conf = rules()["classes"][works.works_class]
    now = timezone.now()
    today = local_date(now)
    if works.kind == Works.Kind.PLAN:
        raise WorksError("kind", _("A forward plan is not dug: register the concrete works, then apply."))
    if works.works_class != Works.WorksClass.IMMEDIATE:
        earliest = add_working_days(today, conf["notice_days"])
        if works.start_date < earliest:
            raise WorksError("start_date", _("%(class)s works need %(days)s working days' notice: the earliest start "
                                             "is %(earliest)s; only emergencies start sooner.")
                             % Localized({"class": works.get_works_class_display(), "days": conf["notice_days"],
                                          "earliest": earliest.isoformat()}))
        if works.connection_order_id is None:
            _refuse_moratorium(works.streets, works.start_date)
    with service_tx.atomic():
        locked = Works.objects.select_for_update().get(pk=works.pk)
        if locked.status != Works.Status.PLANNED:
            raise WorksConflictState(_("Works %(reference)s are %(status)s: a permit is applied for once.")
                                     % Localized({"reference": locked.reference,
                                                  "status": locked.get_status_display()}))
        geom = shapely.from_wkb(bytes(locked.geom.wkb))
        from panjereh.citymap.services import DigArea

        check = dig_check(DigArea(geometry=geom, buffer_m=2.0))
        permit = ExcavationPermit.objects.create(works=locked, applied_at=now,
                                                 due_date=add_working_days(today, conf["answer_days"]),
                                                 dig_check=check, fee=excavation_fee(locked))
        Works.objects.filter(pk=locked.pk).update(status=Works.Status.APPLIED)
        audit.record(actor=actor, action="works.permit_applied", obj=locked, data={"due": str(permit.due_date)})
        audit.emit(event_type="works.permit_applied", agency_code=locked.agency.code,
                   payload={"works": locked.pk, "reference": locked.reference, "due_date": str(permit.due_date)})
    return permit


def decide_permit(*, actor, works: Works, decision: str, conditions: str = "", reason_number=None) -> ExcavationPermit:
    """The municipality grants (with conditions) or refuses (citing a numbered reason) an excavation permit."""
    if decision not in ("grant", "refuse"):
        raise WorksError("decision", _("The decision must be grant or refuse."))
    reason = None
    if decision == "refuse":
        reason = RefusalReason.objects.filter(agency__code=MUNICIPALITY, number=reason_number, active=True).first()
        if reason is None:
            raise WorksError("reason", _("A refusal must cite one of the municipality's numbered, published reasons."))
    with service_tx.atomic():
        permit = ExcavationPermit.objects.select_for_update().select_related("works").filter(works=works).first()
        if permit is None:
            raise WorksConflictState(_("No excavation permit was applied for these works."))
        if permit.status != ExcavationPermit.Status.PENDING:
            raise WorksConflictState(_("This excavation permit was already decided: %(status)s.")
                                     % Localized({"status": permit.get_status_display()}))
        permit.status = ExcavationPermit.Status.GRANTED if decision == "grant" else ExcavationPermit.Status.REFUSED
        permit.decided_at, permit.decided_by = timezone.now(), actor
        permit.conditions, permit.reason = conditions.strip(), reason
        permit.save()
        if decision == "grant":
            _bill_permit(permit)
        # the permit of a shared trench's lead is the permit of every works in that trench
        Works.objects.filter(Q(pk=works.pk) | Q(shared_trench__lead=works)).update(
            status=Works.Status.PERMITTED if decision == "grant" else Works.Status.REFUSED)
        event = PERMIT_EVENTS[permit.status]
        audit.record(actor=actor, action=event, obj=works, data={})
        audit.emit(event_type=event, agency_code=works.agency.code,
                   payload={"works": works.pk, "reference": works.reference, "conditions": permit.conditions,
                            "reason": reason.number if reason else None})
    return permit


def deem_overdue_permits(now=None) -> int:
    """Every excavation permit unanswered past its due date is deemed granted (the municipality's silence)."""
    now = now or timezone.now()
    today = local_date(now)
    count = 0
    waiting = ExcavationPermit.objects.filter(status=ExcavationPermit.Status.PENDING)
    for permit in silence.past_due(waiting, now).select_related("works__agency"):
        with service_tx.atomic():
            if not silence.deem(ExcavationPermit.objects.filter(pk=permit.pk),
                                waiting_status=ExcavationPermit.Status.PENDING,
                                status=ExcavationPermit.Status.DEEMED, decided_at=now):
                continue
            Works.objects.filter(Q(pk=permit.works_id) | Q(shared_trench__lead_id=permit.works_id)).update(
                status=Works.Status.DEEMED)
            _bill_permit(permit)
            audit.record(actor=None, action="works.permit_deemed", obj=permit.works,
                         data={"due": str(permit.due_date), "late_working_days":
                               working_days_between(permit.due_date, today)})
            audit.emit(event_type="works.permit_deemed_granted", agency_code=permit.works.agency.code,
                       payload={"works": permit.works_id, "reference": permit.works.reference})
            count += 1
    return count


# the order works move through; a step may be recorded only after the one before it
PROGRESS = [Works.Status.IN_PROGRESS, Works.Status.COMPLETED, Works.Status.INTERIM, Works.Status.PERMANENT,
            Works.Status.GUARANTEE_ENDED]
ALLOWED_FROM = {Works.Status.IN_PROGRESS: {Works.Status.PERMITTED, Works.Status.DEEMED},
                Works.Status.COMPLETED: {Works.Status.IN_PROGRESS},
                Works.Status.INTERIM: {Works.Status.COMPLETED},
                Works.Status.PERMANENT: {Works.Status.COMPLETED, Works.Status.INTERIM},
                Works.Status.GUARANTEE_ENDED: {Works.Status.PERMANENT}}


# each step's event, written out (the catalogue holds these names; none is built from a status value)
PROGRESS_EVENTS = {Works.Status.IN_PROGRESS: "works.in_progress", Works.Status.COMPLETED: "works.completed",
                   Works.Status.INTERIM: "works.interim_reinstatement",
                   Works.Status.PERMANENT: "works.permanent_reinstatement",
                   Works.Status.GUARANTEE_ENDED: "works.guarantee_ended"}
PERMIT_EVENTS = {ExcavationPermit.Status.GRANTED: "works.permit_granted",
                 ExcavationPermit.Status.REFUSED: "works.permit_refused"}


def record_progress(*, actor, works: Works, status: str, on: datetime.date | None = None) -> Works:
    """The agency records its works started, completed, reinstated (interim, permanent) or out of guarantee,
    in that order. A completed resurfacing starts the street's moratorium."""
    if status not in ALLOWED_FROM:
        raise WorksError("status", _("Unknown step «%(status)s».") % Localized({"status": status}))
    with service_tx.atomic():
        locked = Works.objects.select_for_update().get(pk=works.pk)
        if locked.kind == Works.Kind.RESURFACING and locked.status == Works.Status.PLANNED and \
                status == Works.Status.IN_PROGRESS:
            pass  # the municipality's own resurfacing needs no excavation permit
        elif locked.status not in ALLOWED_FROM[status]:
            raise WorksConflictState(_("Works %(reference)s are %(current)s: «%(step)s» cannot be recorded now.")
                                     % Localized({"reference": locked.reference,
                                                  "current": locked.get_status_display(),
                                                  "step": Works.Status(status).label}))
        Works.objects.filter(pk=locked.pk).update(status=status)
        if status == Works.Status.PERMANENT:
            Works.objects.filter(pk=locked.pk).update(
                guarantee_until=guarantee_end(locked, on or local_date(timezone.now())))
        audit.record(actor=actor, action=PROGRESS_EVENTS[status], obj=locked, data={})
        audit.emit(event_type=PROGRESS_EVENTS[status], agency_code=locked.agency.code,
                   payload={"works": locked.pk, "reference": locked.reference})
        if locked.kind == Works.Kind.RESURFACING and status == Works.Status.COMPLETED:
            _start_moratorium(locked, on or local_date(timezone.now()))
        locked.status = status
    return locked


def street_line(name: str):
    """The centre line of the named street of the map (all its pieces, one geometry in the storage CRS), or
    None: what a works or a moratorium "on the street" covers when the agency picks the street, not a line."""
    layer = Layer.objects.filter(code=STREETS_LAYER).first()
    name = (name or "").strip()
    if layer is None or layer.current_version_id is None or not name:
        return None
    pieces = [shapely.from_wkb(bytes(f.geom.wkb)) for f in Feature.objects.filter(
        version_id=layer.current_version_id, attrs__name_fa=name)]
    return shapely.line_merge(shapely.union_all(pieces)) if pieces else None


def street_names(limit: int = 5000) -> list[str]:
    """The named streets of the map, for the pages' pickers."""
    layer = Layer.objects.filter(code=STREETS_LAYER).first()
    if layer is None or layer.current_version_id is None:
        return []
    names = {(f or {}).get("name_fa") for f in Feature.objects.filter(version_id=layer.current_version_id)
             .values_list("attrs", flat=True)[:50000]}
    return sorted(n for n in names if n)[:limit]


def register_moratorium(*, actor, street: str, since: datetime.date, until: datetime.date,
                        surface: str = Works.Surface.ASPHALT) -> Moratorium:
    """The municipality puts a street under an excavation moratorium (a resurfacing done outside this
    register, a new pavement): no works there until ``until`` except emergencies and new connections. Every
    agency's system hears of it."""
    line = street_line(street)
    if line is None:
        raise WorksError("street", _("No street named «%(street)s» on the map.") % Localized({"street": street}))
    if since is None or until is None:
        raise WorksError("until", _("Give the first and the last day of the moratorium."))
    if until <= since:
        raise WorksError("until", _("The moratorium must end (%(until)s) after it starts (%(since)s).")
                         % Localized({"until": until.isoformat(), "since": since.isoformat()}))
    if surface not in Works.Surface.values:
        raise WorksError("surface", _("The surface must be one of %(known)s.")
                         % Localized({"known": ", ".join(Works.Surface.values)}))
    with service_tx.atomic():
        moratorium = Moratorium.objects.create(street=street.strip(), geom=_geos(line), surface=surface,
                                               since=since, until=until)
        audit.record(actor=actor, action="works.moratorium", obj=moratorium,
                     data={"street": street, "until": str(until)})
        for code in Agency.objects.values_list("code", flat=True):
            audit.emit(event_type="works.moratorium", agency_code=code,
                       payload={"streets": [street], "since": str(since), "until": str(until)})
    return moratorium


def _start_moratorium(works: Works, since: datetime.date):
    years = rules()["moratorium_years"].get(works.surface)
    if not years:
        return
    until = since.replace(year=since.year + years) if not (since.month == 2 and since.day == 29) \
        else since.replace(year=since.year + years, day=28)
    for street in works.streets:
        Moratorium.objects.create(street=street, geom=works.geom, surface=works.surface, since=since, until=until,
                                  resurfacing=works)
    # every agency's system hears of it (an event is delivered to the agency it names)
    for code in Agency.objects.values_list("code", flat=True):
        audit.emit(event_type="works.moratorium", agency_code=code,
                   payload={"streets": works.streets, "since": str(since), "until": str(until)})


# --- fees, dig once, inspections, Article 103 -------------------------------------------------------------------

def trench_length(works: Works) -> float:
    """Metres of trench: a line's length, or half an area's perimeter (its long side and back)."""
    geom = shapely.from_wkb(bytes(works.geom.wkb))
    return float(geom.length if "Polygon" not in geom.geom_type else geom.length / 2)


def _street_width(works: Works) -> float | None:
    layer = Layer.objects.filter(code=STREETS_LAYER).first()
    if layer is None:
        return None
    widths = [(attrs or {}).get("width_m") for attrs in Feature.objects.filter(
        version_id=layer.current_version_id, attrs__name_fa__in=works.streets).values_list("attrs", flat=True)]
    widths = [w for w in widths if isinstance(w, (int, float))]
    return max(widths) if widths else None


def excavation_fee(works: Works) -> int:
    """The permit's fee from the municipality's fee schedule: the works' own trench, or — for the lead of a
    shared trench — the whole trench at the shared rate (each member's share is charged to its agency)."""
    params = fees.schedule("excavation").params
    if works.shared_trench_id:
        members = list(works.shared_trench.works.all())
        return sum(fees.excavation(params, length_m=trench_length(m), surface=m.surface,
                                   street_width_m=_street_width(m), shared=True) for m in members)
    return fees.excavation(params, length_m=trench_length(works), surface=works.surface,
                           street_width_m=_street_width(works))


def _municipality() -> Agency:
    return Agency.objects.get(code=MUNICIPALITY)


def _bill_permit(permit: ExcavationPermit) -> None:
    """Bill the permit's fee when it is granted or deemed granted: to the works' agency, or — for a shared
    trench — to each member's agency its own share at the shared rate (the lead's fee is their sum)."""
    works = permit.works
    if works.shared_trench_id:
        members = list(works.shared_trench.works.select_related("agency").order_by("id"))
        split = shared_fee_split(works.shared_trench)
        amounts = [(m, split[m.agency.code]) for m in members]
    else:
        amounts = [(works, permit.fee)]
    payee = _municipality()
    for member, amount in amounts:
        billing.bill_agency(payer=member.agency, stage=f"excavation:{member.pk}", lines=[
            (payee, "excavation", f"مجوز حفاری {member.reference}", f"Excavation permit {member.reference}",
             amount)])


def propose_shared_trench(*, actor, works: list[Works]) -> SharedTrench:
    """Dig once: put several agencies' works in one trench under the first one's permit. They must be other
    agencies' live works, on a common street within the conflict distance, and their dates must meet."""
    conf = rules()
    works = [Works.objects.select_related("agency").get(pk=w.pk) for w in works]
    if len(works) < 2 or len({w.agency_id for w in works}) != len(works):
        raise WorksError("works", _("A shared trench joins the works of two or more different agencies."))
    for w in works:
        if w.status != Works.Status.PLANNED or w.kind != Works.Kind.WORKS or w.shared_trench_id:
            raise WorksError("works", _("Works %(reference)s cannot join a shared trench: only planned works not "
                                        "yet applied for or shared can.") % Localized({"reference": w.reference}))
    lead = works[0]
    lead_geom = shapely.from_wkb(bytes(lead.geom.wkb))
    for other in works[1:]:
        if not set(other.streets) & set(lead.streets) or \
                shapely.distance(lead_geom, shapely.from_wkb(bytes(other.geom.wkb))) > conf["conflict_distance_m"]:
            raise WorksError("works", _("Works %(reference)s are not beside the others on a common street.")
                             % Localized({"reference": other.reference}))
        if other.start_date > lead.end_date or lead.start_date > other.end_date:
            raise WorksError("works", _("The dates of %(a)s and %(b)s cannot meet: one trench needs works that "
                                        "overlap in time.") % Localized({"a": lead.reference, "b": other.reference}))
    total = sum(trench_length(w) for w in works)
    with service_tx.atomic():
        trench = SharedTrench.objects.create(lead=lead, created_by=actor if getattr(actor, "is_authenticated",
                                                                                      False) else None)
        for w in works:
            Works.objects.filter(pk=w.pk).update(shared_trench=trench, share=round(trench_length(w) / total, 4))
        audit.record(actor=actor, action="works.shared_trench", obj=lead,
                     data={"members": [w.pk for w in works]})
        for w in works:
            audit.emit(event_type="works.shared_trench", agency_code=w.agency.code,
                       payload={"trench": trench.pk, "lead": lead.pk, "works": w.pk,
                                "members": [m.pk for m in works]})
    return trench


def shared_fee_split(trench: SharedTrench) -> dict[str, int]:
    """Each agency's part of a shared trench's fee (its own length at the shared rate), integer rials."""
    params = fees.schedule("excavation").params
    return {w.agency.code: fees.excavation(params, length_m=trench_length(w), surface=w.surface,
                                           street_width_m=_street_width(w), shared=True)
            for w in trench.works.select_related("agency")}


def select_for_inspection(*, phase: str, seed: int | None = None) -> list[Inspection]:
    """Choose at random, per agency, the configured share (10% by default, rounded up) of its works in
    ``phase``, counting those chosen before: a second call chooses only for works that came since."""
    import math
    import random

    if phase not in Inspection.Phase.values:
        raise WorksError("phase", _("Unknown step «%(status)s».") % Localized({"status": phase}))
    rng = random.Random(seed)
    rate = rules()["inspection_rate"]
    chosen = []
    by_agency: dict[int, list[Works]] = {}
    done = set(Inspection.objects.filter(phase=phase).values_list("works_id", flat=True))
    done_by_agency: dict[int, int] = {}
    for w in Works.objects.filter(status=phase).order_by("id"):
        if w.pk in done:
            done_by_agency[w.agency_id] = done_by_agency.get(w.agency_id, 0) + 1
        else:
            by_agency.setdefault(w.agency_id, []).append(w)
    with service_tx.atomic():
        for agency_id, items in sorted(by_agency.items()):
            # the sample is the rate of all the agency's works in the phase; those chosen before count
            before = done_by_agency.get(agency_id, 0)
            wanted = math.ceil(rate * (len(items) + before)) - before
            for w in rng.sample(items, max(0, min(wanted, len(items)))):
                chosen.append(Inspection.objects.create(works=w, phase=phase))
    return chosen


def record_inspection(*, actor, inspection: Inspection, passed: bool, defects: str = "", photo=None) -> Inspection:
    """The inspector's finding: passed, or the defects (written, so the agency knows what to put right), with
    a photo if given — checked before anything is recorded, so a refused photo leaves the inspection as it was."""
    if not passed and not defects.strip():
        raise WorksError("defects", _("Write the defects found."))
    if photo is not None:
        uploads.check(photo, field="photo", allowed=(uploads.JPEG, uploads.PNG))
        photo.seek(0)
    with service_tx.atomic():
        if Inspection.objects.filter(pk=inspection.pk, inspected_at__isnull=True).update(
                inspected_at=timezone.now(), passed=passed, defects=defects.strip()) != 1:
            raise WorksConflictState(_("This inspection was already recorded."))
        inspection.refresh_from_db()
        audit.record(actor=actor, action="works.inspected", obj=inspection.works, data={"passed": passed})
        if not passed:
            _bill_penalty(inspection)
            audit.emit(event_type="works.inspection_failed", agency_code=inspection.works.agency.code,
                       payload={"works": inspection.works_id, "phase": inspection.phase,
                                "defects": defects.strip()})
    if photo is not None:
        add_inspection_photo(actor=actor, inspection=inspection, upload=photo)
    return inspection


def add_inspection_photo(*, actor, inspection: Inspection, upload) -> InspectionPhoto:
    """Keep a photo of an inspection (JPEG or PNG, checked by content; never overwriting another)."""
    stored = uploads.store(upload, prefix=f"works/inspections/{inspection.pk}", field="photo",
                           allowed=(uploads.JPEG, uploads.PNG))
    with service_tx.atomic():
        photo = InspectionPhoto.objects.create(
            inspection=inspection, file=stored.name, content_type=stored.content_type, size=stored.size,
            sha256=stored.sha256, uploaded_by=audit.user_or_none(actor))
        audit.record(actor=actor, action="works.inspection_photo", obj=inspection.works,
                     data={"inspection": inspection.pk, "sha256": stored.sha256})
    return photo


def _bill_penalty(inspection: Inspection) -> None:
    """A failed inspection costs the agency the fee schedule's penalty per metre of its trench."""
    works = inspection.works
    per_m = fees.schedule("excavation").params.get("inspection_penalty_per_m", {}).get(works.surface, 0)
    amount = int(Fraction(str(round(trench_length(works), 2))) * fees.exact(per_m))
    billing.bill_agency(payer=works.agency, stage=f"penalty:{inspection.pk}", lines=[
        (_municipality(), "inspection_penalty", f"جریمهٔ نقص {works.reference} ({inspection.get_phase_display()})",
         f"Defect penalty {works.reference} ({inspection.phase})", amount)])


def guarantee_end(works: Works, reinstated: datetime.date) -> datetime.date:
    """When the guarantee of a permanent reinstatement ends: 2 years, 3 when deeper than 1.5 m (configurable)."""
    conf = rules()
    years = conf["guarantee_years_deep"] if (works.depth_m or 0) > conf["deep_m"] else conf["guarantee_years"]
    return reinstated.replace(year=reinstated.year + years, day=min(reinstated.day, 28)
                              if reinstated.month == 2 else reinstated.day)


def recover_unrestored(*, today: datetime.date | None = None) -> list[RecoveryCharge]:
    """Article 103: works completed more than the configured working days ago and still not permanently
    reinstated are restored by the municipality, and their agency charged the restoration's cost + 10%."""
    conf = rules()
    today = today or local_date(timezone.now())
    params = fees.schedule("excavation").params
    charges = []
    for w in Works.objects.filter(status__in=[Works.Status.COMPLETED, Works.Status.INTERIM], recovery__isnull=True) \
            .select_related("agency"):
        if add_working_days(w.end_date, conf["reinstatement_days"]) >= today:
            continue
        area = Fraction(str(round(trench_length(w), 2))) * fees.exact(params["trench_width_m"])
        cost = int(area * fees.exact(params["restoration_per_m2"].get(w.surface, 0)))
        overhead = int(cost * fees.exact(params["recovery_overhead"]))
        with service_tx.atomic():
            charge = RecoveryCharge.objects.create(works=w, cost=cost, overhead=overhead, total=cost + overhead)
            payee = _municipality()
            charge_bill = billing.bill_agency(payer=w.agency, stage=f"article103:{w.pk}", lines=[
                (payee, "article103", f"بازسازی ترانشه {w.reference} (مادهٔ ۱۰۳)",
                 f"Restoration of {w.reference} (Article 103)", cost),
                (payee, "article103_overhead", "ده درصد هزینهٔ بالاسری (مادهٔ ۱۰۳)", "Overhead (Article 103)",
                 overhead)])
            RecoveryCharge.objects.filter(pk=charge.pk).update(bill=charge_bill)
            charge.bill = charge_bill
            audit.record(actor=None, action="works.article_103", obj=w, data={"total": cost + overhead})
            audit.emit(event_type="works.recovery_charged", agency_code=w.agency.code,
                       payload={"works": w.pk, "reference": w.reference, "cost": cost, "overhead": overhead,
                                "total": cost + overhead})
        charges.append(charge)
    return charges
