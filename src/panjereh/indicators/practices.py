"""B-READY's good practices for building permits (Business Location) and utility connections (Utility
Services), each answered from the running city (issue 30): a query of its files or a probe of its pages and
configuration, never a constant. A practice is *met* when the system offers it and the files show it in use;
each carries the evidence a reviewer can open and, where files can use it, the share of files that did.

A practice the system does not offer yet is *not met* by the same probe (its page or its records are looked for
and not found), so it turns to met by itself the day the feature lands — and a test takes each practice's
evidence away in turn (the gateway unset, the network layers gone, …) and sees it turn to not met."""

from django.urls import NoReverseMatch, reverse

from panjereh.core.calendar import local_date

from panjereh.agencies.models import Agency
from panjereh.billing import psp
from panjereh.billing.models import Payment
from panjereh.citymap.models import Layer
from panjereh.crisis.models import Incident
from panjereh.permits.models import Application, ConnectionOrder, Permit, TariffChange
from panjereh.sms.models import SmsMessage
from panjereh.works.models import Works
from panjereh.works.rules import rules as works_rules


def _url(name: str, *args) -> str | None:
    """The address of a page, or None where the system has no such page."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _files(city):
    files = Application.objects.all()
    return files if city is None else files.filter(city_id=city)


def _practice(number, key, topic, met, evidence, share=None, used=None) -> dict:
    return {"number": number, "key": key, "topic": topic, "met": bool(met),
            "evidence": [e for e in evidence if e], "share": share, "files_using": used}


def _link(href, label=None):
    return {"href": href, "label": label or href} if href else None


def fully_online(city=None) -> dict:
    """1. Application, documents, communication and payment online: files opened from home, bills paid by card."""
    files = _files(city)
    online = files.filter(channel=Application.Channel.ONLINE).count()
    paid = Payment.objects.filter(status=Payment.Status.SETTLED, provider=Payment.Provider.GATEWAY,
                                  bill__application__in=files).values("bill__application").distinct().count()
    apply_page = _url("citizen-apply")
    return _practice(1, "online_permit", "permits", apply_page and psp.is_configured() and online and paid,
                     [_link(apply_page), _link(_url("citizen-files"))], _share(online, files.count()), online)


def digital_permit(city=None) -> dict:
    """2. The permit issued as a stored, verifiable PDF."""
    permits = Permit.objects.filter(application__in=_files(city))
    stored = permits.exclude(pdf_file="").exclude(pdf_sha256="")
    sample = stored.order_by("-issued_at").first()
    verify = _url("permit-verify", sample.verification_code) if sample else None
    return _practice(2, "digital_permit", "permits", stored.exists() and verify,
                     [_link(verify)], _share(stored.count(), permits.count()), stored.count())


def online_appeal(city=None) -> dict:
    """3. An online appeal of a final decision, decided by the city's appeal body within a set time: the appeal
    body's desk exists, someone holds its role, and the appeals are counted (share upheld, days to decide)."""
    from django.conf import settings

    from panjereh.agencies.models import StaffProfile
    from panjereh.permits.models import Appeal

    desk = _url("appeals")
    body = StaffProfile.objects.filter(role=settings.PANJEREH_APPEAL_ROLE, agency__kind="municipality").exists()
    appeals = Appeal.objects.filter(application__in=_files(city))
    decided = appeals.exclude(status=Appeal.Status.PENDING)
    upheld = decided.filter(status=Appeal.Status.UPHELD).count()
    out = _practice(3, "online_appeal", "permits", desk and body, [_link(_url("procedure", "new"))],
                    _share(upheld, decided.count()), appeals.count())
    out["appeals"] = {"filed": appeals.count(), "decided": decided.count(), "upheld": upheld,
                      "within_due": sum(1 for a in decided.only("decided_at", "due_date")
                                        if local_date(a.decided_at) <= a.due_date)}
    return out


def public_zoning(city=None) -> dict:
    """4. Every parcel's zoning on the public map and through a public API, from a zoning layer."""
    from panjereh.citymap import public_layers

    layer = public_layers.public_layers(public_layers.ZONING).first()
    page = _url("zoning-public")
    api = _url("ogc-items", layer.code) if layer else None
    return _practice(4, "public_zoning", "permits", layer and page, [_link(page), _link(api)])


def public_precheck(city=None) -> dict:
    """5. A public check before applying (zoning, feasibility, fees, documents) with no approval needed."""
    page = _url("precheck")
    return _practice(5, "public_precheck", "permits", page, [_link(page), _link(_url("api-estimate"))])


def published_procedure(city=None) -> dict:
    """6. One public page per permit type generated from the configuration, with deadlines and deemed approval."""
    page = _url("procedure", "new")
    silent = Agency.objects.filter(silence_means_approval=True).exists()
    return _practice(6, "published_procedure", "permits", page and silent, [_link(page)])


def risk_based_inspections(city=None) -> dict:
    """7. Construction inspected by phase and sampled by risk; the completion certificate after the last one:
    the inspectors' desk and the engineers' exist, the risk classes draw a share of the phases, the completion
    waits for the final inspection, and inspectors are engineers of the register (their grade recorded).
    Counted: the files being built or completed that reported a phase, the inspections and their grades."""
    from django.conf import settings

    from panjereh.permits.models import BuildingInspection, Engineer, PhaseReport

    desk, engineers_desk = _url("construction-inspections"), _url("supervised")
    sampled = any(rate > 0 for rate in settings.PANJEREH_INSPECTION_SAMPLING.values())
    gate = settings.PANJEREH_COMPLETION_NEEDS_FINAL_INSPECTION
    inspectors = Engineer.objects.filter(active=True, user__isnull=False).exists()
    built = _files(city).filter(status__in=[Application.Status.ISSUED, Application.Status.COMPLETED])
    reporting = built.filter(pk__in=PhaseReport.objects.values("application")).count()
    inspections = BuildingInspection.objects.filter(application__in=built, inspected_at__isnull=False)
    out = _practice(7, "risk_based_inspections", "permits", desk and engineers_desk and sampled and gate and inspectors,
                    [_link(_url("procedure", "new"))], _share(reporting, built.count()), reporting)
    out["inspections"] = {"done": inspections.count(), "failed": inspections.filter(passed=False).count(),
                          "by_grade": {g: inspections.filter(inspector_grade=g).count()
                                       for g in Engineer.Grade.values if inspections.filter(inspector_grade=g).exists()}}
    return out


def hazard_information(city=None) -> dict:
    """8. The city's hazard layers (flood zones, faults, pipelines' safety strips) public and in the pre-check."""
    from panjereh.citymap import public_layers

    hazards = public_layers.public_layers(public_layers.HAZARD)
    return _practice(8, "hazard_information", "permits", hazards.exists() and _url("precheck"),
                     [_link(_url("map")), _link(_url("precheck"))] + [
                         _link(_url("ogc-items", layer.code)) for layer in hazards[:5]])


def utility_online(city=None) -> dict:
    """9. Water and electricity applied for and tracked online; the connection fee paid online."""
    files = _files(city).filter(channel=Application.Channel.ONLINE,
                                service_requests__service__code__in=["water", "power"]).distinct()
    with_utility = _files(city).filter(service_requests__service__code__in=["water", "power"]).distinct()
    track = _url("track")
    return _practice(9, "utility_online", "utilities", track and psp.is_configured() and files.exists(),
                     [_link(track), _link(_url("citizen-apply"))], _share(files.count(), with_utility.count()),
                     files.count())


def network_and_works_platform(city=None) -> dict:
    """10. A digital database of the water and power networks, and a platform listing planned works."""
    networks = set(Layer.objects.filter(kind="network").values_list("agency__code", flat=True))
    feed = _url("api-works-wzdx")
    planned = Works.objects.exists()
    return _practice(10, "network_and_works", "utilities", {"water", "power"} <= networks and feed and planned,
                     [_link(_url("map")), _link(feed)])


def utility_gets_excavation_permit(city=None) -> dict:
    """11. The utility gets the excavation permit itself: the connection orders whose street works the single
    window opened in the agency's name."""
    orders = ConnectionOrder.objects.filter(application__in=_files(city))
    with_works = orders.filter(pk__in=Works.objects.filter(connection_order__isnull=False)
                               .values("connection_order")).count()
    return _practice(11, "utility_excavation_permit", "utilities", with_works,
                     [_link(_url("api-works"))], _share(with_works, orders.count()), with_works)


def published_utility_terms(city=None) -> dict:
    """12. Each utility's documents, steps, cost by size and expected time, published from the configuration."""
    page = _url("utility-terms", "water")
    return _practice(12, "published_utility_terms", "utilities", page, [_link(page)])


def tariff_change_notified(city=None) -> dict:
    """13. A tariff change (the construction tariff at the permit, its return at completion) told to the
    customer by SMS ahead of the billing cycle."""
    changes = TariffChange.objects.filter(permit__application__in=_files(city))
    told = SmsMessage.objects.filter(kind="tariff_changed",
                                     subject__in=changes.values("permit__application__tracking_code"))
    told_files = told.values("subject").distinct().count()
    changed = changes.values("permit").distinct().count()
    return _practice(13, "tariff_change_notified", "utilities", changed and told_files == changed, [],
                     _share(told_files, changed), told_files)


def outages_and_reliability(city=None) -> dict:
    """14. Planned outages told to the customers affected, and SAIDI/SAIFI published per network and month."""
    from panjereh.indicators import reliability

    planned_told = SmsMessage.objects.filter(kind="outage_planned").exists()
    published = bool(reliability.by_network_month(city)) and Incident.objects.filter(planned=True).exists()
    return _practice(14, "outages_and_reliability", "utilities", planned_told and published,
                     [_link(_url("indicators-json"))])


def complaints(city=None) -> dict:
    """15. An online complaint about a connection or a bill, answered within a deadline, escalated when not: the
    agencies' desk exists and the deadline is configured; counted (filed, answered in time, escalated)."""
    from django.conf import settings

    from panjereh.permits.models import Complaint

    desk = _url("complaints")
    filed = Complaint.objects.filter(application__in=_files(city))
    answered = filed.filter(status=Complaint.Status.ANSWERED)
    in_time = sum(1 for c in answered.only("answered_at", "due_date") if local_date(c.answered_at) <= c.due_date)
    out = _practice(15, "complaints", "utilities", desk and settings.PANJEREH_COMPLAINT_DAYS > 0,
                    [_link(desk)], _share(in_time, filed.count()), filed.count())
    out["complaints"] = {"filed": filed.count(), "answered_in_time": in_time,
                         "escalated": filed.filter(escalated_at__isnull=False).count()}
    return out


def dig_once_and_time_limits(city=None) -> dict:
    """16. Dig once (moratorium after resurfacing, shared trenches) and time limits for excavation approvals."""
    conf = works_rules()
    limits = all(c.get("answer_days") for c in conf.get("classes", {}).values())
    moratorium = any(conf.get("moratorium_years", {}).values())
    return _practice(16, "dig_once", "utilities", limits and moratorium and _url("api-works"),
                     [_link(_url("api-works"))])


PRACTICES = [fully_online, digital_permit, online_appeal, public_zoning, public_precheck, published_procedure,
             risk_based_inspections, hazard_information, utility_online, network_and_works_platform,
             utility_gets_excavation_permit, published_utility_terms, tariff_change_notified,
             outages_and_reliability, complaints, dig_once_and_time_limits]


def checklist(city: int | None = None) -> list[dict]:
    """Every practice, probed now (of one city's files when ``city`` is given)."""
    return [probe(city) for probe in PRACTICES]
