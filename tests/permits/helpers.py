"""Building blocks for single-window tests: a good parcel, a good request, the people who act on it."""

from panjereh.citymap.models import Parcel
from panjereh.citymap.services import feasibility
from panjereh.permits.models import Application
from panjereh.permits.required_documents import REQUIRED_DOCUMENTS


def pay_at_psp(pay_url: str, *, action: str = "pay", amount: int | None = None) -> dict:
    """Act as the payer on the fake PSP's page; return the query the bank sends the payer back with."""
    import urllib.parse
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    form = {"action": action} | ({"amount": str(amount)} if amount is not None else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(urllib.request.Request(pay_url, data=urllib.parse.urlencode(form).encode()), timeout=10)
    except urllib.error.HTTPError as exc:
        assert exc.code == 303, exc.code
        location = exc.headers["Location"]
    else:
        raise AssertionError("the PSP did not send the payer back")
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def good_parcel(city, *, needs=("water", "sewer", "power")) -> Parcel:
    """A residential parcel where every service in ``needs`` is feasible on the map."""
    # A parcel with no open file: a parcel holds one open file per permit type at a time.
    busy = Application.objects.exclude(status__in=["rejected", "completed"]).values("parcel_id")
    for parcel in Parcel.objects.filter(land_use="residential").exclude(pk__in=busy).order_by("id")[:200]:
        result = {s["service"]: s for s in feasibility(parcel)["services"]}
        if all(result[n]["feasible"] for n in needs):
            return parcel
    raise AssertionError("no suitable parcel in the test city")


def request_body(parcel, /, **overrides) -> dict:
    body = {
        "parcel": parcel.pk,
        "applicant": {"kind": "person", "national_id": "4608968882", "name": "علي كريمي", "mobile": "09161234567"},
        "permit": {"permit_type": "new", "land_use": "residential", "floors": 2, "units": 2,
                   "gross_floor_area": round(parcel.area_m2 * 1.0), "parking_spaces": 1,
                   # the originals the counter saw (a permit is not issued while a required one is missing)
                   "documents": list(REQUIRED_DOCUMENTS["new"])},
        "services": {"water": {"timing": "now", "size": {"diameter_mm": 20}}, "sewer": {"timing": "now"},
                     "power": {"timing": "now", "size": {"phases": 1, "kw": 10}},
                     "gas": {"timing": "later", "size": {"meter_class": "G6"}},
                     "telecom": {"timing": "not_needed"}},
    }
    for key, value in overrides.items():
        section, _, field = key.partition("__")
        if field:
            body[section][field] = value
        else:
            body[section] = value
    return body


def approve_all(client_for, app_id, agencies=("municipality", "water", "power")) -> None:
    """Every agency's reviewer approves the file (each decision must be taken)."""
    for agency in agencies:
        r = client_for(f"reviewer.{agency}").post(f"/api/v1/applications/{app_id}/reviews/{agency}/decision/",
                                                  {"decision": "approve"}, format="json")
        assert r.status_code == 200, r.json()


def pay_in_cash(client_for, app_id, reference: str) -> dict:
    """The counter takes the open bill in cash; returns the file as the API then shows it."""
    total = client_for("operator1").get(f"/api/v1/applications/{app_id}/").json()["bills"][0]["total"]
    return client_for("operator1").post(f"/api/v1/applications/{app_id}/payments/",
                                        {"provider": "cash", "amount": total, "reference": reference},
                                        format="json").json()["application"]


def png(color=(120, 90, 60), size=(8, 8), name="phase.png"):
    """A small real PNG, as a phone's photo would arrive (an upload Django's forms and services read)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


SUPERVISOR = "20-310-01234"  # the demo register's grade-1 supervising engineer
INSPECTOR = "reviewer.municipality"  # linked to the register's grade-1 inspector


def supervise_to_completion(app_id, *, phases=None) -> None:
    """The building supervised through every phase (or ``phases``): the demo's supervising engineer reports
    each with a photo and the municipality's inspector passes each inspection drawn — what the completion
    certificate waits for."""
    from django.contrib.auth import get_user_model

    from panjereh.permits import risk, services
    from panjereh.permits.models import Engineer

    Application.objects.filter(pk=app_id, supervisor_membership="").update(supervisor_membership=SUPERVISOR)
    app = Application.objects.get(pk=app_id)
    engineer = Engineer.objects.get(membership=app.supervisor_membership)
    inspector = get_user_model().objects.get(username=INSPECTOR)
    for phase in phases or risk.PHASES:
        report = services.report_phase(engineer=engineer, application=app, phase=phase, conforms=True,
                                       photos=[png()])
        for inspection in report.inspections.all():
            services.record_building_inspection(actor=inspector, inspection=inspection, passed=True)
