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
