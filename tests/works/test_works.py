"""The street-works story on the shared map: agencies register works, the conflicts between them are found
and told, the municipality's excavation permit is applied for, granted, refused or deemed granted by silence,
progress and reinstatement keep their order, and a resurfaced street refuses digging except emergencies."""

import datetime
import json

import pytest
import shapely
from django.utils import timezone

from panjereh.agencies.models import Agency
from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Feature, Layer
from panjereh.core.calendar import add_working_days, local_date
from panjereh.core.models import OutboxEvent
from panjereh.works import services
from panjereh.works.models import ExcavationPermit, Moratorium, Works, WorksConflict

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
TODAY = None


def street(n=0):
    """A street of the map (a centre-line segment) and its name."""
    layer = Layer.objects.get(code="streets")
    feature = Feature.objects.filter(version=layer.current_version).order_by("id")[n]
    return shapely.from_wkb(bytes(feature.geom.wkb)), feature.attrs["name_fa"]


def trench(line, offset=3.0, part=(0.2, 0.6)):
    """A trench along part of a street, ``offset`` metres beside its centre line, as GeoJSON in CRS84."""
    a, b = (line.interpolate(f, normalized=True) for f in part)
    piece = shapely.LineString([a, b]).offset_curve(offset)
    return json.loads(shapely.to_geojson(crsmod.to_crs84(piece)))


def data(geometry, *, start_in=60, days=20, **extra):
    today = local_date(timezone.now())
    start = today + datetime.timedelta(days=start_in)
    return {"geometry": geometry, "title": "لوله‌گذاری", "start_date": start,
            "end_date": start + datetime.timedelta(days=days), "depth_m": 1.2, "surface": "asphalt",
            "contact": "09161234567", **extra}


def agency(code):
    return Agency.objects.get(code=code)


def test_conflict_found_and_told_then_a_permit_granted(city):
    line, name = street(3)
    gas = services.register_works(actor=None, agency=agency("gas"), data=data(trench(line, 3), start_in=90,
                                                                               reference="G-1"))
    assert gas.streets == [name] and gas.status == "planned"
    water = services.register_works(actor=None, agency=agency("water"),
                                    data=data(trench(line, -3), start_in=150, reference="W-1"))
    conflict = WorksConflict.objects.get()
    assert {conflict.first_id, conflict.second_id} == {gas.pk, water.pk} and conflict.distance_m == pytest.approx(6, abs=0.5)
    assert conflict.gap_days == (water.start_date - gas.end_date).days > 0
    told = OutboxEvent.objects.filter(event_type="works.conflict")
    assert sorted(told.values_list("agency_code", flat=True)) == ["gas", "water"]
    permit = services.apply_for_permit(actor=None, works=water)
    assert permit.status == "pending" and permit.due_date == add_working_days(local_date(timezone.now()), 5)
    assert permit.dig_check["total"] >= 1  # the trench runs beside the networks of the street
    services.decide_permit(actor=None, works=water, decision="grant", conditions="ساعت ۸ تا ۱۶")
    water.refresh_from_db()
    assert water.status == "permitted" and OutboxEvent.objects.filter(event_type="works.permit_granted").exists()
    with pytest.raises(services.WorksConflictState):
        services.decide_permit(actor=None, works=water, decision="refuse", reason_number=1)


def test_silence_is_a_granted_permit(city):
    line, _ = street(5)
    works = services.register_works(actor=None, agency=agency("telecom"), data=data(trench(line), reference="T-1"))
    permit = services.apply_for_permit(actor=None, works=works)
    assert services.deem_overdue_permits(now=timezone.now()) == 0
    later = datetime.datetime.combine(permit.due_date + datetime.timedelta(days=1), datetime.time(12),
                                      tzinfo=datetime.timezone.utc)
    assert services.deem_overdue_permits(now=later) == 1
    works.refresh_from_db()
    assert works.status == "deemed_permitted" and ExcavationPermit.objects.get(works=works).status == "deemed_granted"


@pytest.mark.parametrize("change,field,words", [
    ({"end_date": datetime.date(2020, 1, 1)}, "end_date", "cannot end"),
    ({"geometry": {"type": "LineString", "coordinates": [[51.39, 35.69], [51.40, 35.69]]}}, "geometry", "outside"),
    ({"works_class": "huge"}, "works_class", "must be one of"),
])
def test_bad_works_are_refused_naming_the_field(city, change, field, words):
    line, _ = street(7)
    before = Works.objects.count()
    with pytest.raises(services.WorksError) as caught:
        services.register_works(actor=None, agency=agency("water"), data={**data(trench(line)), **change})
    assert caught.value.field == field and words in str(caught.value)
    assert Works.objects.count() == before


def test_works_off_the_streets_and_overlapping_ones_are_refused(city):
    line, _ = street(9)
    far = trench(line, offset=40)
    with pytest.raises(services.WorksError, match="not on a street"):
        services.register_works(actor=None, agency=agency("water"), data=data(far))
    services.register_works(actor=None, agency=agency("water"), data=data(trench(line), reference="W-A"))
    with pytest.raises(services.WorksError, match="already on"):
        services.register_works(actor=None, agency=agency("water"), data=data(trench(line, -2), reference="W-B"))


def test_notice_emergencies_and_the_order_of_progress(city):
    line, _ = street(11)
    soon = services.register_works(actor=None, agency=agency("power"),
                                   data=data(trench(line), start_in=1, works_class="standard", reference="P-1"))
    with pytest.raises(services.WorksError, match="notice"):
        services.apply_for_permit(actor=None, works=soon)
    late = data(trench(line, -3), start_in=-5, works_class="immediate", reference="P-2")
    with pytest.raises(services.WorksError, match="reported late"):
        services.register_works(actor=None, agency=agency("gas"), data=late)
    now = services.register_works(actor=None, agency=agency("gas"),
                                  data=data(trench(line, -3), start_in=0, works_class="immediate", reference="P-3"))
    assert services.apply_for_permit(actor=None, works=now).status == "pending"  # emergencies need no notice
    services.decide_permit(actor=None, works=now, decision="grant")
    with pytest.raises(services.WorksConflictState):  # reinstatement before the works completed
        services.record_progress(actor=None, works=now, status="interim_reinstatement")
    for step in ("in_progress", "completed", "interim_reinstatement", "permanent_reinstatement"):
        now = services.record_progress(actor=None, works=now, status=step)
    assert Works.objects.get(pk=now.pk).status == "permanent_reinstatement"


def test_a_resurfaced_street_refuses_digging_except_emergencies(city):
    line, name = street(13)
    resurfacing = services.register_works(actor=None, agency=agency("municipality"),
                                          data=data(trench(line, 0), start_in=0, kind="resurfacing",
                                                    reference="R-1"))
    services.record_progress(actor=None, works=resurfacing, status="in_progress")
    services.record_progress(actor=None, works=resurfacing, status="completed")
    held = Moratorium.objects.get(street=name)
    told = set(OutboxEvent.objects.filter(event_type="works.moratorium").values_list("agency_code", flat=True))
    assert {"water", "gas", "power", "telecom"} <= told  # each agency's system hears of it
    assert (held.until - held.since).days in (365 * 3, 365 * 3 + 1)
    with pytest.raises(services.WorksError, match="resurfaced"):
        services.register_works(actor=None, agency=agency("telecom"), data=data(trench(line), reference="T-9"))
    emergency = services.register_works(actor=None, agency=agency("gas"),
                                        data=data(trench(line), start_in=0, works_class="immediate", reference="G-9"))
    assert emergency.pk


def test_dig_once_one_shared_trench_and_each_agency_billed_its_share(city):
    from panjereh.agencies import fees
    from panjereh.agencies.models import FeeSchedule

    line, _ = street(15)
    gas = services.register_works(actor=None, agency=agency("gas"), data=data(trench(line, 2), start_in=40,
                                                                               days=30, reference="G-S"))
    water = services.register_works(actor=None, agency=agency("water"),
                                    data=data(trench(line, -2, part=(0.2, 0.4)), start_in=60, days=20,
                                              reference="W-S"))
    assert WorksConflict.objects.filter(first=gas, second=water).exists()
    trench_ = services.propose_shared_trench(actor=None, works=[gas, water])
    gas.refresh_from_db(), water.refresh_from_db()
    assert gas.share + water.share == pytest.approx(1, abs=1e-3) and gas.share > water.share  # gas digs longer
    permit = services.apply_for_permit(actor=None, works=gas)
    services.decide_permit(actor=None, works=gas, decision="grant")
    assert Works.objects.get(pk=water.pk).status == "permitted"  # one permit for the whole trench
    split = services.shared_fee_split(trench_)
    assert permit.fee == sum(split.values()) and set(split) == {"gas", "water"}
    # each share is its length at the discounted rate: less than alone
    params = FeeSchedule.objects.get(code="excavation", city__isnull=True).params
    alone = fees.excavation(params, length_m=services.trench_length(water), surface="asphalt",
                            street_width_m=services._street_width(water))
    assert split["water"] < alone and split["water"] == pytest.approx(alone * 0.75, abs=2)


def test_a_shared_trench_needs_dates_that_meet(city):
    line, _ = street(17)
    a = services.register_works(actor=None, agency=agency("gas"), data=data(trench(line, 2), start_in=40, days=5,
                                                                             reference="G-D"))
    b = services.register_works(actor=None, agency=agency("telecom"),
                                data=data(trench(line, -2), start_in=200, days=5, reference="T-D"))
    with pytest.raises(services.WorksError, match="cannot meet"):
        services.propose_shared_trench(actor=None, works=[a, b])
    assert Works.objects.filter(shared_trench__isnull=False).count() == 0


def test_inspection_sample_guarantee_and_article_103(city):
    made = []
    for n in range(12):
        line, _ = street(40 + n)
        w = services.register_works(actor=None, agency=agency("water"),
                                    data=data(trench(line), start_in=0, days=0, works_class="immediate",
                                              reference=f"W-I{n}", depth_m=2.0 if n == 0 else 1.0))
        services.apply_for_permit(actor=None, works=w)
        services.decide_permit(actor=None, works=w, decision="grant")
        for step in ("in_progress", "completed"):
            w = services.record_progress(actor=None, works=w, status=step)
        made.append(w)
    chosen = services.select_for_inspection(phase="completed", seed=1)
    assert len(chosen) == 2  # ⌈10% of 12⌉, per agency
    assert services.select_for_inspection(phase="completed", seed=1) == []  # chosen once per phase
    with pytest.raises(services.WorksError, match="defects"):
        services.record_inspection(actor=None, inspection=chosen[0], passed=False)
    services.record_inspection(actor=None, inspection=chosen[0], passed=False, defects="نشست آسفالت")
    # the deep one reinstated: three years of guarantee
    deep = services.record_progress(actor=None, works=made[0], status="permanent_reinstatement",
                                    on=datetime.date(2027, 1, 10))
    assert Works.objects.get(pk=deep.pk).guarantee_until == datetime.date(2030, 1, 10)
    # a month and more later, the eleven left unrestored are restored by the municipality at cost + 10%
    later = add_working_days(local_date(timezone.now()), 31)
    charges = services.recover_unrestored(today=later)
    assert len(charges) == 11 and all(c.total == c.cost + c.overhead and c.overhead == int(c.cost * 0.1)
                                      for c in charges)
    assert charges[0].cost > 0 and services.recover_unrestored(today=later) == []


def test_seasons_without_digging_and_resurfacing_announced(city, settings):
    import jdatetime

    settings.PANJEREH_WORKS_RULES = {}  # the default Nowruz ban
    line, _ = street(60)
    today = local_date(timezone.now())
    year = jdatetime.date.fromgregorian(date=today).year + 1
    nowruz = jdatetime.date(year, 1, 3).togregorian()
    body = {**data(trench(line), reference="W-N"), "start_date": nowruz, "end_date": nowruz + datetime.timedelta(days=3)}
    with pytest.raises(services.WorksError, match="Nowruz"):
        services.register_works(actor=None, agency=agency("water"), data=body)
    body["works_class"] = "immediate"
    body["start_date"] = body["end_date"] = today
    assert services.register_works(actor=None, agency=agency("water"), data=body).pk  # emergencies still dig
    line2, _ = street(62)
    services.register_works(actor=None, agency=agency("municipality"),
                            data=data(trench(line2, 0), start_in=30, kind="resurfacing", reference="R-A"))
    told = OutboxEvent.objects.filter(event_type="works.resurfacing_planned")
    assert set(told.values_list("agency_code", flat=True)) >= {"water", "gas", "power", "telecom"}
    assert all(e.payload["short_notice"] for e in told)  # 30 days is less than the 90 agencies should have


def test_the_bulk_conflict_run_finds_the_same_pairs_as_registration(city):
    """The database self-join (works.queries) and the per-works check at registration agree."""
    for n, (street_no, agency_code, offset, start) in enumerate([
            (70, "gas", 3, 30), (70, "water", -3, 60), (70, "power", 0, 500), (72, "telecom", 2, 30),
            (72, "power", -2, 45), (74, "water", 3, 400)]):
        line, _ = street(street_no)
        services.register_works(actor=None, agency=agency(agency_code),
                                data=data(trench(line, offset), start_in=start, reference=f"B-{n}"))
    by_registration = set(WorksConflict.objects.values_list("first_id", "second_id", "gap_days"))
    assert len(by_registration) >= 2  # gas/water on 70 (power is beyond the window), telecom/power on 72
    WorksConflict.objects.all().delete()
    assert services.find_all_conflicts() == len(by_registration)
    assert set(WorksConflict.objects.values_list("first_id", "second_id", "gap_days")) == by_registration
    assert services.find_all_conflicts() == 0  # once per pair


def test_the_daily_job_deems_samples_and_charges(city):
    from io import StringIO

    from django.core.management import call_command

    line, _ = street(90)
    works = services.register_works(actor=None, agency=agency("power"),
                                    data=data(trench(line), start_in=0, days=0, works_class="immediate",
                                              reference="P-DAILY"))
    services.apply_for_permit(actor=None, works=works)
    ExcavationPermit.objects.filter(works=works).update(due_date=local_date(timezone.now()) - datetime.timedelta(days=1))
    out = StringIO()
    call_command("works_daily", "--seed", "3", stdout=out)
    assert "permits deemed granted: 1" in out.getvalue()
    assert Works.objects.get(pk=works.pk).status == "deemed_permitted"
    with pytest.raises(services.WorksError):
        services.select_for_inspection(phase="whenever")
