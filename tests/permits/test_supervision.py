"""B-READY 7: construction supervised by phase and inspected by risk.

The supervising engineer reports each phase in order with photos, from home (signed in as a citizen with the
register's national ID and mobile); the municipality inspects the phases the building's risk class draws, and
the completion phase always, by an engineer whose licence grade admits the building; the completion
certificate waits for the final inspection."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from panjereh.citizens import session
from panjereh.permits import risk, services
from panjereh.permits.models import Application, BuildingInspection, Engineer, PhasePhoto, PhaseReport
from panjereh.sms.models import SmsMessage
from tests.permits.helpers import (SUPERVISOR, approve_all, good_parcel, pay_in_cash, png, request_body,
                                   supervise_to_completion)

pytestmark = pytest.mark.django_db


@pytest.fixture
def building(client_for, city):
    """A file issued for a two-floor house, naming the register's grade-1 engineer as its supervisor."""
    body = request_body(good_parcel(city))
    body["permit"] |= {"supervisor_name": "مهندس کامران شریفی", "supervisor_membership": "۲۰-۳۱۰-۰۱۲۳۴"}
    app = client_for("operator1").post("/api/v1/applications/", body, format="json").json()
    approve_all(client_for, app["id"])
    assert pay_in_cash(client_for, app["id"], "R-SUP")["status"] == "issued"
    return Application.objects.get(pk=app["id"])


def engineer_client(engineer: Engineer) -> Client:
    """The engineer signed in as a citizen is (national ID and mobile; the identity inquiry confirmed)."""
    client = Client()
    store = client.session
    store[session.SESSION_KEY] = {"national_id": engineer.national_id, "mobile": engineer.mobile,
                                  "identity": "verified"}
    store.save()
    return client


def inspector():
    return get_user_model().objects.get(username="reviewer.municipality")


def test_risk_classes_grades_and_the_draw():
    assert risk.risk_class(floors=2, gross_floor_area=400, land_use="residential") == "A"
    assert risk.risk_class(floors=2, gross_floor_area=900, land_use="residential") == "B"  # by area
    assert risk.risk_class(floors=8, gross_floor_area=900, land_use="residential") == "C"
    assert risk.risk_class(floors=3, gross_floor_area=900, land_use="educational") == "C"  # people gather
    assert risk.risk_class(floors=13, gross_floor_area=900, land_use="commercial") == "D"
    assert risk.grade_admits("3", "B") and not risk.grade_admits("3", "C") and risk.grade_admits("1", "D")
    # the draw is stable, spread over [0, 1), and a share of about the class's rate is inspected
    draws = [risk.draw(f"CODE{n}", "frame") for n in range(2000)]
    assert draws[:5] == [risk.draw(f"CODE{n}", "frame") for n in range(5)]
    assert 0.2 < sum(d < 0.25 for d in draws) / len(draws) < 0.3


def test_the_engineer_reports_each_phase_in_order_and_the_final_inspection_opens_completion(building, settings):
    settings.PANJEREH_INSPECTION_SAMPLING = {"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0}  # only the final one
    engineer = Engineer.objects.get(membership=SUPERVISOR)
    assert building.supervisor_membership == SUPERVISOR  # typed in Persian digits, kept as the register writes it
    client = engineer_client(engineer)
    assert f'data-file="{building.tracking_code}"' in client.get("/citizen/supervision/").content.decode()
    page = client.get(f"/citizen/supervision/{building.tracking_code}/").content.decode()
    assert 'name="phase" value="foundation"' in page and "الف" in page  # the class as the regulations write it
    # out of order, or without a photo, or a refusal without saying why: refused, nothing kept
    out_of_order = client.post(f"/citizen/supervision/{building.tracking_code}/",
                               {"phase": "frame", "conforms": "yes", "photos": [png()]})
    assert out_of_order.status_code == 400 and "پی" in out_of_order.content.decode()
    assert client.post(f"/citizen/supervision/{building.tracking_code}/",
                       {"phase": "foundation", "conforms": "yes"}).status_code == 400
    assert client.post(f"/citizen/supervision/{building.tracking_code}/",
                       {"phase": "foundation", "conforms": "no", "photos": [png()]}).status_code == 400
    not_a_photo = client.post(f"/citizen/supervision/{building.tracking_code}/",
                              {"phase": "foundation", "conforms": "yes",
                               "photos": [SimpleUploadedFile("x.png", b"%PDF-1.4 not an image")]})
    assert not_a_photo.status_code == 400
    assert not PhaseReport.objects.filter(application=building).exists() and not PhasePhoto.objects.exists()
    # a non-conforming foundation: the applicant is told, the phase is reported again
    assert client.post(f"/citizen/supervision/{building.tracking_code}/",
                       {"phase": "foundation", "conforms": "no", "notes": "آرماتور پی کمتر از نقشه است",
                        "photos": [png(), png((10, 10, 10))]}).status_code == 302
    assert SmsMessage.objects.filter(kind="phase_nonconforming", subject=building.tracking_code).exists()
    for phase in risk.PHASES:
        assert client.post(f"/citizen/supervision/{building.tracking_code}/",
                           {"phase": phase, "conforms": "yes", "photos": [png()]}).status_code == 302, phase
    # nothing drawn but the final phase: one inspection, waiting
    waiting = BuildingInspection.objects.get(application=building)
    assert waiting.phase == "completion" and waiting.reason == "final" and waiting.risk_class == "A"
    # the completion waits for it
    with pytest.raises(services.Conflict):
        services.certify_completion(actor=None, application=building, reason="پیش از نصب انشعاب‌ها")
    desk = Client()
    desk.force_login(inspector())
    page = desk.get("/inspections/").content.decode()
    assert f'data-inspection="{waiting.pk}"' in page and "پایه ۱" in page
    photo = PhasePhoto.objects.filter(report=waiting.report).first()
    assert desk.get(f"/files/{building.pk}/phases/photos/{photo.pk}/").status_code == 200
    assert Client().get(f"/files/{building.pk}/phases/photos/{photo.pk}/").status_code == 302  # sign in first
    # a failure says why; the applicant is told; the phase goes back to the engineer
    assert desk.post("/inspections/", {"inspection": waiting.pk, "result": "fail"}).status_code == 302
    assert BuildingInspection.objects.get(pk=waiting.pk).inspected_at is None
    assert desk.post("/inspections/", {"inspection": waiting.pk, "result": "fail",
                                       "findings": "پله فرار اجرا نشده است", "photo": png()}).status_code == 302
    failed = BuildingInspection.objects.get(pk=waiting.pk)
    assert failed.passed is False and failed.inspector_grade == "1" and failed.photo
    assert SmsMessage.objects.filter(kind="inspection_failed", subject=building.tracking_code).exists()
    assert desk.get(f"/inspections/{failed.pk}/photo/").status_code == 200
    assert client.post(f"/citizen/supervision/{building.tracking_code}/",
                       {"phase": "completion", "conforms": "yes", "photos": [png()]}).status_code == 302
    again = BuildingInspection.objects.get(application=building, inspected_at__isnull=True)
    services.record_building_inspection(actor=inspector(), inspection=again, passed=True)
    assert services.final_inspection_passed(building)
    cert = services.certify_completion(actor=None, application=building, reason="پیش از نصب انشعاب‌ها").obj
    assert cert.pk
    # every phase cleared; nothing more to report on a completed building
    assert [row["state"] for row in services.supervision.phases(building)] == ["cleared"] * 4
    staff_page = desk.get(f"/files/{building.pk}/").content.decode()
    assert 'data-state="cleared"' in staff_page and "نرگس جعفری" in staff_page


def test_the_risk_class_draws_the_intermediate_inspections(building, settings):
    settings.PANJEREH_INSPECTION_SAMPLING = {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0}
    supervise_to_completion(building.pk)
    assert sorted(BuildingInspection.objects.filter(application=building).values_list("phase", flat=True)) == \
        sorted(risk.PHASES)
    assert set(BuildingInspection.objects.values_list("inspector_grade", flat=True)) == {"1"}


def test_only_the_files_supervisor_of_an_admitted_grade_reports_and_only_an_engineer_inspects(building, settings):
    junior = Engineer.objects.get(membership="20-310-05678")  # grade 3
    with pytest.raises(services.Conflict):  # not this file's supervisor
        services.report_phase(engineer=junior, application=building, phase="foundation", conforms=True,
                              photos=[png()])
    assert engineer_client(junior).get(f"/citizen/supervision/{building.tracking_code}/").status_code == 404
    # named on a nine-floor building, a grade-3 engineer may not supervise it
    Application.objects.filter(pk=building.pk).update(supervisor_membership=junior.membership, floors=9)
    building.refresh_from_db()
    with pytest.raises(services.Conflict):
        services.report_phase(engineer=junior, application=building, phase="foundation", conforms=True,
                              photos=[png()])
    # a citizen who is no engineer has no supervision desk
    plain = Client()
    store = plain.session
    store[session.SESSION_KEY] = {"national_id": "4608968882", "mobile": "09161234567", "identity": "verified"}
    store.save()
    assert plain.get("/citizen/supervision/").status_code == 403
    # a municipality reviewer without an engineer record sees the desk but cannot record
    settings.PANJEREH_INSPECTION_SAMPLING = {"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0}
    Application.objects.filter(pk=building.pk).update(supervisor_membership=SUPERVISOR, floors=2)
    building.refresh_from_db()
    supervise_to_completion(building.pk, phases=["foundation", "frame", "roof"])
    engineer = Engineer.objects.get(membership=SUPERVISOR)
    report = services.report_phase(engineer=engineer, application=building, phase="completion", conforms=True,
                                   photos=[png()])
    Engineer.objects.filter(user__username="reviewer.municipality").update(user=None)
    with pytest.raises(services.Conflict):
        services.record_building_inspection(actor=inspector(), inspection=report.inspections.get(), passed=True)
    desk = Client()
    desk.force_login(inspector())
    assert 'id="not-an-engineer"' in desk.get("/inspections/").content.decode()
    water = Client()
    water.force_login(get_user_model().objects.get(username="reviewer.water"))
    assert water.get("/inspections/").status_code == 403
