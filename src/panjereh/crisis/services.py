"""State changes of consistency checking and incident response (one transaction each, audited)."""

import datetime
import time

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import pgettext_lazy

from panjereh import access
from panjereh.agencies.models import Agency
from panjereh.citymap import crs as crsmod
from panjereh.citymap import subscribers
from panjereh.citymap.models import Feature, Parcel
from panjereh.citymap.services import DigArea, dig_check
from panjereh.core import audit, service_tx
from panjereh.core.calendar import jalali_moment
from panjereh.core.errors import FieldError
from panjereh.core.text import Localized, in_both, persian_digits
from panjereh.crisis import consistency, power, tracing
from panjereh.crisis.models import NETWORK_OF_KIND, ConsistencyRun, Finding, FindingEvent, Incident, IncidentNote
from panjereh.sms import services as sms
from panjereh.sms.models import SmsMessage


def run_consistency(*, actor=None) -> ConsistencyRun:
    """Run every consistency check over the whole map and store the findings as one run. What staff said of
    the previous run's findings carries over by key: a dismissed finding stays dismissed (with its reason), an
    acknowledged one acknowledged; one marked fixed and found again is reopened, one marked fixed and gone is
    confirmed fixed."""
    started = time.monotonic()
    findings = consistency.all_checks()
    agencies = {a.code: a for a in Agency.objects.all()}
    with service_tx.atomic():
        previous = ConsistencyRun.objects.first()
        before = {f.key: f for f in Finding.objects.filter(run=previous)} if previous else {}
        run = ConsistencyRun.objects.create()
        rows = []
        for f in findings:
            key = consistency.finding_key(f["check_name"], f["agency"], f["other_agency"], f["layer_code"],
                                          f["features"])
            old = before.get(key)
            state, reason, reopened = Finding.State.OPEN, "", False
            if old is not None and old.state in (Finding.State.DISMISSED, Finding.State.ACKNOWLEDGED):
                state, reason, reopened = old.state, old.reason, old.reopened
            elif old is not None:
                reopened = old.state == Finding.State.FIXED or old.reopened
            rows.append(Finding(
                run=run, check_name=f["check_name"], agency=agencies[f["agency"]],
                other_agency=agencies.get(f["other_agency"]) if f["other_agency"] else None,
                layer_code=f["layer_code"], features=f["features"], message_fa=f["message_fa"],
                message_en=f["message_en"], data=f["data"], key=key, state=state, reason=reason, reopened=reopened,
                location=Point(*f["location"], srid=crsmod.STORAGE_SRID) if f["location"] else None))
        created = Finding.objects.bulk_create(rows)
        found = {f.key for f in rows}
        events = [FindingEvent(key=f.key, finding_id=f.pk, action="reopened") for f in created
                  if f.key in before and before[f.key].state == Finding.State.FIXED]
        for key, old in before.items():
            if old.state == Finding.State.FIXED and key not in found:
                Finding.objects.filter(pk=old.pk).update(state=Finding.State.CONFIRMED)
                events.append(FindingEvent(key=key, finding_id=old.pk, action="confirmed"))
        FindingEvent.objects.bulk_create(events)
        counts = {}
        for f in findings:
            counts[f["check_name"]] = counts.get(f["check_name"], 0) + 1
        run.counts = counts
        run.seconds = round(time.monotonic() - started, 2)
        run.save(update_fields=["counts", "seconds"])
        audit.record(actor=actor, action="consistency.run", obj=run, data=counts)
        for code in sorted({f["agency"] for f in findings} | {f["other_agency"] for f in findings if f["other_agency"]}):
            audit.emit(event_type="consistency.findings", agency_code=code,
                       payload={"run": run.pk, "findings": sum(1 for f in findings if code in (f["agency"],
                                                                                               f["other_agency"]))})
    return run


FINDING_ACTIONS = {"acknowledge": Finding.State.ACKNOWLEDGED, "fixed": Finding.State.FIXED,
                   "dismiss": Finding.State.DISMISSED, "reopen": Finding.State.OPEN}


def act_on_finding(*, actor, finding: Finding, action: str, reason: str = "") -> Finding:
    """An agency's word on a finding of the latest run: acknowledged (we know, we are on it), fixed (the next
    run confirms or reopens it), dismissed (a false finding: the reason is required and kept), or reopened.
    Every step is kept in the finding's history, across runs."""
    if action not in FINDING_ACTIONS:
        raise FieldError("action", _("Unknown action «%(action)s».") % Localized({"action": action}))
    if not access.can_act_on_finding(actor, finding):
        raise FieldError("finding", _("This finding is not about your agency's assets."))
    reason = (reason or "").strip()
    if action == "dismiss" and not reason:
        raise FieldError("reason", _("Say why the finding is false: a dismissal needs its reason."))
    if len(reason) > 400:
        raise FieldError("reason", _("The reason is at most %(n)s characters.") % Localized({"n": 400}))
    latest = ConsistencyRun.objects.values_list("pk", flat=True).first()
    if finding.run_id != latest:
        raise FieldError("finding", _("This finding is from an earlier run; act on the latest run's findings."))
    state = FINDING_ACTIONS[action]
    with service_tx.atomic():
        Finding.objects.filter(pk=finding.pk).update(state=state, reason=reason if action == "dismiss" else "")
        FindingEvent.objects.create(key=finding.key, finding=finding, actor=actor,
                                    action={"acknowledge": "acknowledged", "dismiss": "dismissed",
                                            "reopen": "reopened"}.get(action, action), reason=reason)
        audit.record(actor=actor, action=f"finding.{action}", obj=finding, data={"reason": reason})
    finding.refresh_from_db()
    return finding


# --- incidents ---------------------------------------------------------------------------------

NETWORK_OF = {"water_burst": "water", "gas_leak": "gas", "planned_water": "water", "planned_gas": "gas"}
POWER_KINDS = {"cable_fault", "planned_power"}
PLANNED_KINDS = {"planned_water", "planned_gas", "planned_power"}
SEARCH_M = 30.0


class IncidentError(FieldError):
    """An incident that cannot be placed (``field`` and a translated sentence)."""


def _locate(*, actor, lon=None, lat=None, feature_id=None):
    """The incident's point (storage CRS) and the asset it is on, refusing what is outside, gone or hidden."""
    import shapely

    feature = None
    if feature_id is not None:
        feature = Feature.objects.select_related("layer", "version", "agency").filter(pk=feature_id).first()
        # hidden and missing get one answer (actor None: the system itself, e.g. a command, sees everything)
        if feature is None or (actor is not None and not access.feature_visible(actor, feature)):
            raise IncidentError("feature", _("Asset %(id)s does not exist.") % Localized({"id": feature_id}))
        if feature.layer.current_version_id != feature.version_id:
            current = feature.layer.current_version.number if feature.layer.current_version_id else "none"
            raise IncidentError("feature", _("Asset %(id)s (%(ext)s) is not on the current map: layer %(layer)s is at "
                                             "version %(current)s, the asset was in version %(old)s (deleted or "
                                             "replaced).")
                                % Localized({"id": feature_id, "ext": feature.ext_id, "layer": feature.layer.code,
                                   "current": current, "old": feature.version.number}))
        geom = shapely.from_wkb(bytes(feature.geom.wkb))
        # on a pipe or cable the fault's place is not known: its middle (a vertex could be one end)
        point = geom.interpolate(0.5, normalized=True) if "LineString" in geom.geom_type \
            else shapely.point_on_surface(geom)
        return point, feature
    if lon is None or lat is None:
        raise IncidentError("location", _("Give the longitude and latitude, or the asset the incident is on."))
    if not crsmod.inside_city((lon, lat, lon, lat))[0]:
        raise IncidentError("location", _("The point %(lon)s, %(lat)s is outside the city (%(west)s–%(east)s E, "
                                           "%(south)s–%(north)s N).")
                            % Localized({"lon": lon, "lat": lat, **crsmod.city_extent_words()}))
    return crsmod.to_storage(shapely.Point(lon, lat), "OGC:CRS84"), None


def _check_planned(kind: str, starts_at, ends_at):
    """A planned interruption is announced at least PANJEREH_PLANNED_NOTICE_HOURS ahead, with its end; an
    incident is not planned (its supply stopped when it was reported)."""
    from django.utils import timezone

    if kind not in PLANNED_KINDS:
        if starts_at is not None or ends_at is not None:
            raise IncidentError("starts_at", _("Only a planned interruption has a start and an end given ahead."))
        return
    if starts_at is None or ends_at is None:
        raise IncidentError("starts_at", _("A planned interruption needs its start and its end."))
    hours = settings.PANJEREH_PLANNED_NOTICE_HOURS
    if starts_at < timezone.now() + datetime.timedelta(hours=hours):
        raise IncidentError("starts_at", _("A planned interruption is announced at least %(hours)s hours before it "
                                           "starts: the people affected must be told in time.")
                            % Localized({"hours": hours}))
    if ends_at <= starts_at:
        raise IncidentError("ends_at", _("The interruption must end after it starts."))


def report_incident(*, actor, kind: str, lon=None, lat=None, feature_id=None, radius_m: float = 50.0,
                    note: str = "", starts_at=None, ends_at=None):
    """Record an incident (or a planned interruption) and work out the response: what to close, who loses
    supply, what lies around; the subscribers cut off are told by SMS in the same transaction.

    In named steps: the request checked, the place found, the water or gas network isolated, the power line's
    feeding station found, the assets around listed, then everything recorded in one transaction."""
    _check_request(kind, radius_m, starts_at, ends_at)
    point, feature = _locate(actor=actor, lon=lon, lat=lat, feature_id=feature_id)
    budget = _Budget(settings.PANJEREH_INCIDENT_BUDGET_SECONDS)
    response = {"problems": []}
    agencies = set()
    if kind in NETWORK_OF:
        agencies.add(NETWORK_OF[kind])
        _isolate(NETWORK_OF[kind], point, feature, response, budget)
    if kind in POWER_KINDS:
        agencies.add("power")
        _find_feeding_station(point, feature, response, budget)
    response["around"] = dig_check(DigArea(geometry=point, buffer_m=float(radius_m)))
    agencies |= {g["agency"] for g in response["around"]["agencies"]}
    return _record_incident(actor=actor, kind=kind, point=point, feature=feature, radius_m=radius_m, note=note,
                            response=response, starts_at=starts_at, ends_at=ends_at, agencies=agencies)


def _check_request(kind: str, radius_m, starts_at, ends_at) -> None:
    if kind not in Incident.Kind.values:
        raise IncidentError("kind", _("The kind of incident must be one of %(known)s.")
                            % Localized({"known": "، ".join(Incident.Kind.values)}))
    if not 0 < float(radius_m) <= 500:
        raise IncidentError("radius_m", _("The radius must be more than 0 and at most 500 m."))
    _check_planned(kind, starts_at, ends_at)


class _Budget:
    """A network too large to trace in the request's time gets a clear answer, never a worker timeout."""

    def __init__(self, seconds: float):
        self.seconds, self.started = seconds, time.monotonic()

    def check(self, stage: str) -> None:
        if time.monotonic() - self.started > self.seconds:
            raise IncidentError("location", _("Tracing the network took longer than %(s)s seconds (at: %(stage)s); "
                                              "the incident was not recorded. Report it on the asset itself, or ask "
                                              "the GIS staff to split the network into its pieces.")
                                % Localized({"s": self.seconds, "stage": stage}))


def _isolate(agency: str, point, feature, response: dict, budget: _Budget) -> None:
    """The water or gas pipe of the incident, its part of the network, and the valves that isolate it."""
    import shapely

    traced = tracing.build_network(agency)
    budget.check("network")
    link = None
    if feature is not None and int(feature.pk) in traced.link_index:
        link = int(feature.pk)
    elif len(traced.pipes):
        tree = shapely.STRtree(traced.pipes.geoms)
        hit = tree.query_nearest(point, max_distance=SEARCH_M, all_matches=False)
        if len(hit):
            link = int(traced.pipes.ids[int(hit[0])])
    if link is None:
        raise IncidentError("location", _("No %(agency)s network within %(m)s m of the incident.")
                            % Localized({"agency": agency, "m": float(SEARCH_M)}))
    response["pipe"] = {"id": link, "ext_id": traced.pipes.ext_ids[traced.link_index[link]]}
    sizes = traced.component_sizes()
    largest = max(sizes.values())
    if sizes[link] < largest and traced.piece_is_fed(link):
        response["zone"] = {"pipes": sizes[link], "fed_by_own_source": True}  # a separately fed zone
    elif sizes[link] < largest:
        response["problems"].append({"code": "disconnected", **in_both(
            gettext_lazy("this pipe is on a piece of the %(agency)s network (%(pipes)s pipes) not connected to the "
                         "main network (%(main)s pipes) and fed by no source of its own (reservoir, tank, pump, "
                         "station): check the map, the piece may be mis-drawn"),
            agency=agency, pipes=sizes[link], main=largest)})
    if not traced.network.valves:
        response["problems"].append({"code": "no_valves", **in_both(
            gettext_lazy("the %(agency)s network has no valves on the map: nothing can isolate a part of it; close "
                         "the supply (source or regulator station)"), agency=agency)})
        response["isolation"] = None
    else:
        response["isolation"] = tracing.isolation_plan(traced, link)
        budget.check("isolation")
        if not response["isolation"]["close"]:
            response["problems"].append({"code": "no_boundary_valves", **in_both(
                gettext_lazy("no valve bounds this pipe's part of the network: the whole piece must be shut"))})


def _find_feeding_station(point, feature, response: dict, budget: _Budget) -> None:
    """The power line of the incident and what feeds it (transformer, feeder, substation), with its doubts."""
    station = power.feeding_station(point, conductor_id=feature.pk if feature is not None else None)
    response["transformer"] = station
    budget.check("transformer")
    if station is None:
        response["problems"].append({"code": "no_transformer",
                                     **in_both(gettext_lazy("no power line or transformer on the map"))})
    elif station.get("open_point"):
        response["problems"].append({"code": "open_point", **in_both(
            gettext_lazy("this line is marked normally open (an open point): it carries nothing"))})
    elif station["level"] == "lv" and not station["connected"]:
        response["problems"].append({"code": "transformer_guess", **in_both(
            gettext_lazy("the map connects this line to no transformer: the nearest one is named, as a guess"))})
    elif station["level"] in ("mv", "hv") and station["substation"] is None:
        response["problems"].append({"code": "no_substation", **in_both(
            gettext_lazy("the map connects this line to no HV/MV substation: the feeder cannot be told"))})


def _record_incident(*, actor, kind, point, feature, radius_m, note, response, starts_at, ends_at, agencies):
    """The incident written with its response, its asset's version pinned, the subscribers told and each
    agency alerted with its own assets — one transaction."""
    from django.contrib.gis.geos import Point as GeosPoint
    from django.utils import timezone

    around = response["around"]
    with service_tx.atomic():
        incident = Incident.objects.create(
            kind=kind, location=GeosPoint(point.x, point.y, srid=crsmod.STORAGE_SRID), feature=feature,
            radius_m=float(radius_m), reported_by=audit.user_or_none(actor),
            note=note[:500], response=response, planned=kind in PLANNED_KINDS,
            starts_at=starts_at or timezone.now(), ends_at=ends_at,
            handled_by=Agency.objects.filter(code=NETWORK_OF_KIND.get(kind, "")).first())
        if feature is not None:  # the incident points at the asset: its version stays live (not archived)
            from panjereh.citymap.services import pin_version

            pin_version(feature.version_id, f"incident:{incident.pk}")
        audit.record(actor=actor, action="incident.report", obj=incident, data={"kind": kind})
        notify_subscribers(incident, "planned" if incident.planned else "outage")
        for code in sorted(agencies):
            # each agency's alert carries its own assets only: its valves to close, its assets around
            own = next((g for g in around["agencies"] if g["agency"] == code), {"assets": []})
            close = (response.get("isolation") or {}).get("close", []) if NETWORK_OF.get(kind) == code else []
            audit.emit(event_type="incident.reported", agency_code=code, payload={
                "incident": incident.pk, "kind": kind, "close_valves": [v["ext_id"] for v in close],
                "assets_around": [{"id": a["id"], "ext_id": a["ext_id"], "kind": a["kind"],
                                   "distance_m": a["distance_m"], "depth_m": a["depth_m"]} for a in own["assets"]]})
    return incident


# --- the people affected, the board -----------------------------------------------------------------------------

def affected_parcels(response: dict) -> list[int]:
    """The parcels an incident's response cuts off: by the valves closed, or by the transformer opened."""
    iso = response.get("isolation") or {}
    return list(iso.get("parcels_affected") or (response.get("transformer") or {}).get("parcels_affected") or [])


SERVICE_NAMES = {"water": pgettext_lazy("network", "Water"), "gas": pgettext_lazy("network", "Gas"),
                 "power": pgettext_lazy("network", "Power")}


def notify_subscribers(incident, phase: str) -> int:
    """Queue one SMS per subscriber's mobile cut off by ``incident`` (``phase``: outage, planned, restored), in
    the caller's transaction. The message's key names the incident, the phase and the mobile: a repeated call
    writes nothing, so nobody is told twice. Returns how many mobiles were told now."""
    network = incident.network
    if network is None:
        return 0
    mobiles = subscribers.mobiles(affected_parcels(incident.response), network)
    if not mobiles:
        return 0
    plates = {p: f"{main}/{sub}" for p, main, sub in Parcel.objects.filter(pk__in=set(mobiles.values()))
              .values_list("pk", "plate_main", "plate_sub")}
    prefix = f"incident:{incident.pk}:{phase}:"
    already = set(SmsMessage.objects.filter(event_key__startswith=prefix).values_list("mobile", flat=True))
    kind = {"outage": "outage", "planned": "outage_planned", "restored": "outage_restored"}[phase]
    told = 0
    for mobile, parcel in sorted(mobiles.items()):
        if mobile in already:
            continue
        sms.queue(kind=kind, mobile=mobile, event_key=prefix + mobile, subject=f"incident-{incident.pk}",
                  context={"service": SERVICE_NAMES[network], "plate": persian_digits(plates.get(parcel, "")),
                           "ref": persian_digits(str(incident.pk)), "start": persian_digits(jalali_moment(incident.starts_at)),
                           "end": persian_digits(jalali_moment(incident.ends_at))})
        told += 1
    return told


def add_note(*, actor, incident, text: str):
    """A line in the incident's log, with who wrote it and when."""
    text = (text or "").strip()
    if not text:
        raise IncidentError("text", _("Write the note."))
    if len(text) > 1000:
        raise IncidentError("text", _("A note is at most %(n)s characters.") % Localized({"n": 1000}))
    with service_tx.atomic():
        note = IncidentNote.objects.create(incident=incident, author=actor, text=text)
        audit.record(actor=actor, action="incident.note", obj=incident, data={"note": note.pk})
    return note


def take_incident(*, actor, incident):
    """The actor's agency takes the incident in hand (shown on the board as who is working on it)."""
    profile = access.staff_profile(actor)
    if profile is None or profile.agency is None:
        raise IncidentError("agency", _("Only an agency's staff take an incident in hand."))
    with service_tx.atomic():
        if not Incident.objects.filter(pk=incident.pk, status=Incident.Status.OPEN).update(handled_by=profile.agency):
            raise IncidentError("status", _("Incident %(id)s is closed.") % Localized({"id": incident.pk}))
        audit.record(actor=actor, action="incident.take", obj=incident, data={"agency": profile.agency.code})
    incident.handled_by = profile.agency
    return incident


def close_incident(*, actor, incident, restored_at):
    """Close an incident with the moment supply came back (not before it stopped, not in the future); the
    subscribers told of the outage are told it is back. Closing twice is refused (nothing is told twice)."""
    from django.utils import timezone

    if restored_at is None:
        raise IncidentError("restored_at", _("Give the time supply came back."))
    if restored_at > timezone.now() + datetime.timedelta(minutes=1):
        raise IncidentError("restored_at", _("Supply cannot come back in the future."))
    if incident.starts_at and restored_at < incident.starts_at.replace(second=0, microsecond=0):
        raise IncidentError("restored_at", _("Supply cannot come back before it stopped."))
    if incident.starts_at:  # a time typed to the minute, in the minute supply stopped: that moment
        restored_at = max(restored_at, incident.starts_at)
    with service_tx.atomic():
        done = Incident.objects.filter(pk=incident.pk, status=Incident.Status.OPEN).update(
            status=Incident.Status.CLOSED, restored_at=restored_at, closed_by=actor)
        if not done:
            raise IncidentError("status", _("Incident %(id)s is already closed.") % Localized({"id": incident.pk}))
        incident.refresh_from_db()
        audit.record(actor=actor, action="incident.close", obj=incident, data={"restored_at": str(restored_at)})
        notify_subscribers(incident, "restored")
        for code in sorted({incident.network} - {None}):
            audit.emit(event_type="incident.closed", agency_code=code,
                       payload={"incident": incident.pk, "restored_at": restored_at.isoformat()})
    return incident
