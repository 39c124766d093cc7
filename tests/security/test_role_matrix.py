"""Every role against every guarded door — REST, OGC, tiles, pages, feasibility, incidents — read and write.

For each (role, request) the permission module's answer is written down here independently of the code:
a request succeeds only where the table says so. Printed: requests tried, unauthorized successes (0)."""

import math

import pytest
from django.test import Client

from panjereh.agencies.staff_tokens import issue_token
from panjereh.citymap.models import Feature, Layer
from tests.conftest import user
from tests.permits.helpers import good_parcel, request_body
from tests.snapshot import changed_between, written

pytestmark = pytest.mark.django_db

AGENCIES = ["municipality", "water", "power", "gas", "telecom", "fire"]
ROLES = ["anonymous", "admin", "coordinator", "operator1", "operator2", "signer"] + \
    [f"reviewer.{a}" for a in AGENCIES] + [f"gis.{a}" for a in AGENCIES]
COORD = {"admin", "coordinator"}
AGENCY_STAFF = {f"{r}.{a}" for r in ("reviewer", "gis") for a in AGENCIES}
STAFF = set(ROLES) - {"anonymous"}


def tile_of(lon, lat, z):
    n = 2 ** z
    return (int((lon + 180) / 360 * n),
            int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n))


@pytest.fixture
def world(city, client_for, settings):
    """A file at office 1 with tasks for municipality, water and power; power's network kept to itself;
    an incident on a power cable."""
    Layer.objects.filter(code__in=["power-cables", "power-nodes"]).update(visibility="agency")
    parcel = good_parcel(city)
    app = client_for("operator1").post("/api/v1/applications/", request_body(parcel), format="json").json()
    cable = Feature.objects.current().filter(layer__code="power-cables").order_by("id")[10]
    incident = client_for("reviewer.power").post("/api/v1/incidents/", {"kind": "cable_fault", "feature": cable.pk},
                                                 format="json").json()
    x, y = tile_of(48.67, 31.32, 15)
    from panjereh.agencies.models import Agency
    from panjereh.works import services as works_services
    from tests.works.test_works import data, street, trench

    settings.PANJEREH_WORKS_RULES = {"bans": []}  # the works' dates are relative to today, whatever the season
    line, _ = street(80)
    works = works_services.register_works(actor=None, agency=Agency.objects.get(code="water"),
                                          data=data(trench(line), reference="W-ROLES"))
    # a bill the water company owes for its works, and its works chosen for inspection
    from panjereh.billing.services import bill_agency
    from panjereh.works.models import Inspection

    municipality = Agency.objects.get(code="municipality")
    bill = bill_agency(payer=Agency.objects.get(code="water"), stage="excavation:roles",
                       lines=[(municipality, "excavation", "مجوز حفاری", "Excavation permit", 1_000_000)])
    inspection = Inspection.objects.create(works=works, phase="completed")
    # a document of the file, uploaded at the counter
    from panjereh.permits.models import Application
    from panjereh.permits.services import add_document
    from tests.citizens.helpers import pdf_bytes, upload

    document = add_document(actor=None, application=Application.objects.get(pk=app["id"]), kind="ownership_deed",
                            upload=upload("deed.pdf", pdf_bytes()))
    return {"app": app["id"], "code": app["tracking_code"], "parcel": parcel.pk, "incident": incident["id"], "tile": (x, y), "works": works.pk,
            "bill": bill.pk, "inspection": inspection.pk, "document": document.pk}


def doors(w):
    """(method, path, body, who may succeed)."""
    app, parcel, incident, (tx, ty) = w["app"], w["parcel"], w["incident"], w["tile"]
    on_file = COORD | {"operator1", "signer"} | {f"{r}.{a}" for r in ("reviewer", "gis")
                                                 for a in ("municipality", "water", "power")}
    power_readers = power_roles()
    incident_staff = COORD | AGENCY_STAFF
    works, works_readers = w["works"], COORD | AGENCY_STAFF | {"signer"}
    return [
        ("get", f"/api/v1/applications/{app}/", None, on_file),
        ("get", "/api/v1/applications/", None, STAFF),
        ("post", f"/api/v1/applications/{app}/reviews/water/decision/", {"decision": "approve"}, {"reviewer.water"}),
        ("post", f"/api/v1/applications/{app}/reviews/power/decision/", {"decision": "nonsense"}, {"reviewer.power"}),
        ("post", f"/api/v1/applications/{app}/payments/", {"provider": "cash", "amount": 1, "reference": "X"},
         {"operator1", "admin"}),
        ("post", f"/api/v1/applications/{app}/completion/", None, {"signer", "admin"}),
        ("post", f"/api/v1/applications/{app}/services/gas/activate/", {}, {"operator1", "admin"}),
        ("post", "/api/v1/applications/", {}, {"operator1", "operator2", "admin"}),
        ("get", f"/api/v1/parcels/{parcel}/", None, STAFF),
        ("get", f"/api/v1/parcels/{parcel}/feasibility/", None, STAFF),
        ("get", f"/api/v1/parcels/{parcel}/tariffs/", None, STAFF),
        ("get", "/api/v1/layers/power-cables/", None, power_readers),
        ("get", "/api/v1/layers/power-cables/versions/", None, power_readers),
        ("get", "/api/v1/layers/power-cables/export/", None, power_readers),
        ("post", "/api/v1/layers/power-cables/upload/", {}, {"gis.power", "admin"}),
        ("post", "/api/v1/layers/power-cables/rollback/", {"version": 999}, {"gis.power", "admin"}),
        ("post", "/api/v1/layers/water-mains/upload/", {}, {"gis.water", "admin"}),
        ("get", "/api/v1/layers/water-mains/", None, STAFF),
        ("get", "/ogc/collections/power-cables", None, power_readers),
        ("get", "/ogc/collections/power-cables/items?limit=1", None, power_readers),
        ("get", "/ogc/collections/parcels/items?limit=1", None, STAFF),
        ("get", f"/tiles/power-cables/15/{tx}/{ty}.mvt", None, power_readers),
        ("get", f"/tiles/parcels/15/{tx}/{ty}.mvt", None, STAFF),
        ("get", "/api/v1/assets/?q=P", None, STAFF),  # filtered per layer: checked below
        ("post", "/api/v1/incidents/", {"kind": "nonsense"}, incident_staff),
        ("get", f"/api/v1/incidents/{incident}/", None, incident_staff),
        ("get", f"/incidents/{incident}/report/", None, incident_staff),
        ("post", "/api/v1/consistency/runs/", "skip-body", COORD),
        ("get", "/api/v1/consistency/findings/", None, STAFF),
        ("get", f"/files/{app}/", None, on_file),
        ("get", f"/files/{app}/decide/", None, {f"reviewer.{a}" for a in ("municipality", "water", "power")}
         | {"signer"}),
        ("get", "/counter/", None, {"operator1", "operator2", "admin"}),
        ("get", "/inbox/", None, AGENCY_STAFF | {"signer"}),
        ("get", "/layers/power-cables/upload/", None, {"gis.power", "admin"}),
        ("get", "/admin/billing/payment/", None, {"admin"}),
        ("get", "/metrics", None, COORD),  # the operators' figures (a scraper uses its token instead)
        ("get", f"/files/{app}/receipt/", None, on_file),
        ("post", f"/api/v1/applications/{app}/reviews/water/answer/", {"answer": "x"}, {"operator1", "admin"}),
        ("post", f"/api/v1/applications/{app}/resubmit/", {}, {"operator1", "admin"}),
        ("post", "/api/v1/applications/estimate/", {}, {"operator1", "operator2", "admin"}),
        ("get", "/connections/", None, COORD | AGENCY_STAFF | {"signer"}),
        ("post", "/connections/", {"order": 0}, set()),
        ("get", "/finance/", None, COORD | {f"reviewer.{a}" for a in AGENCIES} | {"signer"}),
        ("get", "/finance/?format=csv", None, COORD | {f"reviewer.{a}" for a in AGENCIES} | {"signer"}),
        # street works: every agency's staff and the coordinators read; an agency writes only its own
        ("get", "/api/v1/works/", None, works_readers),
        ("get", f"/api/v1/works/{works}/", None, works_readers),
        ("post", "/api/v1/works/", {}, AGENCY_STAFF),
        ("post", f"/api/v1/works/{works}/progress/", {"status": "nonsense"}, {"reviewer.water", "gis.water"}),
        ("post", f"/api/v1/works/{works}/permit/decision/", {"decision": "nonsense"},
         {"reviewer.municipality", "signer"}),
        ("post", f"/api/v1/works/{works}/permit/", None, {"reviewer.water", "gis.water"}),
        ("get", "/works/", None, works_readers),
        ("get", "/api/v1/works/feed/wzdx/", None, set(ROLES)),
        ("get", f"/tiles/works/15/{tx}/{ty}.mvt", None, works_readers),
        ("get", "/ogc/collections/works/items", None, works_readers),
        ("get", f"/ogc/collections/works/items/{works}", None, works_readers),
        # what agencies owe for works: read by the staff (an agency only its own), paid only by the payee
        ("get", "/api/v1/works/bills/", None, works_readers),
        ("post", f"/api/v1/works/bills/{w['bill']}/transfer/", {"reference": "", "amount": 1},
         {"reviewer.municipality", "signer", "admin"}),
        ("get", "/api/v1/works/inspections/", None, works_readers),
        # a layer is created by its agency's GIS staff (the body names no agency: their own) and administrators
        ("post", "/api/v1/layers/", {"code": "x", "name_fa": "x", "kind": "generic", "geometry_type": "Point"},
         {f"gis.{a}" for a in AGENCIES} | {"admin"}),
        # a file's documents: whoever may read the file; the applicant's pages: nobody signed in as staff
        ("get", f"/files/{app}/documents/{w['document']}/", None, on_file),
        ("get", f"/citizen/files/{w['code']}/", None, set()),
        ("post", f"/api/v1/works/inspections/{w['inspection']}/", {"passed": "nonsense"},
         COORD | {"reviewer.municipality", "gis.municipality", "signer"}),
        ("get", "/api/v1/streets/?q=خیابان", None, set(ROLES)),
        ("get", "/indicators/", None, set(ROLES)),
        ("get", "/indicators/data.json", None, set(ROLES)),
        ("get", "/indicators/overdue/", None, STAFF),
        # the signer's desk and a file's documents (issue 25): the signer excuses, the file's staff add
        ("get", "/signing/", None, {"signer", "admin"}),
        ("get", "/signin-locks/", None, {"admin"}),
        ("post", "/signin-locks/", {"address": "192.0.2.1"}, {"admin"}),
        ("post", "/signing/", {"permit": 0}, {"signer", "admin"}),
        ("post", f"/files/{app}/", {"action": "waive_document", "kind": "nonsense", "reason": ""}, {"signer", "admin"}),
        ("post", f"/files/{app}/", {"action": "upload_document", "kind": "other"},
         {"operator1", "admin", "signer"} | {f"reviewer.{a}" for a in ("municipality", "water", "power")}),
        ("post", f"/files/{app}/", {"action": "complete"}, {"signer", "admin"}),
        # the desks of issue 26: the crisis room, the findings desk, the works desk's actions on pages
        ("get", "/crisis/", None, incident_staff),
        ("post", "/crisis/", {"kind": "nonsense"}, incident_staff),
        ("get", f"/crisis/{incident}/", None, incident_staff),
        ("post", f"/crisis/{incident}/", {"action": "note", "text": ""}, incident_staff),
        ("get", "/findings/", None, COORD | AGENCY_STAFF | {"signer"}),
        ("post", "/findings/", {"finding": "0", "action": "acknowledge"}, set()),
        ("post", "/findings/run/", "skip-body", COORD),
        ("get", "/works/new/", None, AGENCY_STAFF),
        ("post", "/works/new/", {"street": ""}, AGENCY_STAFF),
        ("post", "/works/", {"action": "apply", "works": works}, {"reviewer.water", "gis.water"}),
        ("post", "/works/", {"action": "progress", "works": works, "status": "nonsense"},
         {"reviewer.water", "gis.water"}),
        ("post", "/works/", {"action": "moratorium", "street": "", "since": "", "until": ""},
         {"reviewer.municipality", "signer"}),
        # issue 30's desks and public pages: appeals (the appeal body), complaints (each agency's staff),
        # building inspections (the municipality's reviewers and signer), the engineer's desk (a citizen
        # sign-in only), the public pre-check and procedures (everyone)
        ("get", "/appeals/", None, {"signer", "admin"}),
        ("post", "/appeals/", {"appeal": "0", "decision": "uphold"}, {"signer", "admin"}),
        ("get", "/complaints/", None, STAFF),
        ("get", "/inspections/", None, {"reviewer.municipality", "signer", "admin"}),
        ("post", "/inspections/", {"inspection": "0", "result": "pass"}, {"reviewer.municipality", "signer", "admin"}),
        ("get", "/citizen/supervision/", None, set()),
        ("get", "/precheck/", None, set(ROLES)),
        ("get", "/procedures/permits/new/", None, set(ROLES)),
        ("get", "/procedures/connections/water/", None, set(ROLES)),
        ("get", "/procedures/zoning/", None, set(ROLES)),
        # issue 31's plan check: staff who see the parcel; on a file, those who add its documents
        ("get", f"/plan-check/?parcel={parcel}", None, STAFF),
        ("post", f"/plan-check/?parcel={parcel}", {}, STAFF),
        ("get", f"/citizen/plan-check/?parcel={parcel}", None, set()),
        ("post", f"/api/v1/parcels/{parcel}/plan-check/", {}, STAFF),
        ("post", f"/api/v1/applications/{app}/plan-check/", {},
         {"operator1", "admin", "signer"} | {f"reviewer.{a}" for a in ("municipality", "water", "power")}),
        # issue 32: a payment given back is the treasury's (the coordinators, administrators, the signer)
        ("post", "/finance/", {"payment": "PJ-NONE", "reason": "نه، آزمون درِ بازگرداندن"},
         {"admin", "coordinator", "signer"}),
        ("get", "/payments/gateway/go/PJNOSUCHORDER/", None, set()),
        ("post", f"/files/{app}/", {"action": "plan_check"},
         {"operator1", "admin", "signer"} | {f"reviewer.{a}" for a in ("municipality", "water", "power")}),
    ]


def succeeded(method, path, response) -> bool:
    if path.startswith("/admin/"):
        return response.status_code == 200
    if response.status_code in {401, 403, 404, 405}:
        return False
    if response.status_code == 302 and ("/login/" in response.get("Location", "")
                                        or response.get("Location", "").rstrip("/").endswith("/citizen")):
        return False  # sent to a sign-in page
    return True  # 2xx, or a 400/409 about the input or state: the door itself was open


def test_every_role_meets_only_its_doors(world, capsys):
    tried = unauthorized = wrongly_refused = writes_checked = 0
    problems = []
    for role in ROLES:
        api = Client()
        if role != "anonymous":
            api.force_login(user(role))
            token = issue_token(user(role))
        for method, path, body, allowed in doors(world):
            if body == "skip-body" and role in COORD:
                continue  # a whole-city run for each coordinator is slow and proven elsewhere
            headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if role != "anonymous" and path.startswith("/api/") \
                else {}
            client = Client() if headers else api
            sent = {} if body == "skip-body" else body or {}  # (an empty body for the roles that are refused)
            kwargs = {} if method != "post" else {"data": sent} if not path.startswith(("/api/", "/ogc/")) \
                else {"content_type": "application/json", "data": sent}  # pages take forms, the API JSON
            checked = method != "get" and role not in allowed  # a refused write must have written nothing
            before = written() if checked else None
            response = getattr(client, method)(path, **kwargs, **headers)
            tried += 1
            ok = succeeded(method, path, response)
            if checked:
                writes_checked += 1
                after = written()
                changed = changed_between(before, after)
                # a 400 or 409 to a role without the door is a refusal only when nothing was written
                ok = ok and response.status_code not in {400, 409} or bool(changed)
                if changed:
                    problems.append(f"WROTE {role} {method.upper()} {path} → {response.status_code}: {changed}")
            if ok and role not in allowed:
                unauthorized += 1
                problems.append(f"UNAUTHORIZED {role} {method.upper()} {path} → {response.status_code}")
            elif not ok and role in allowed:
                wrongly_refused += 1
                problems.append(f"refused {role} {method.upper()} {path} → {response.status_code}")
            if ok and path.startswith("/api/v1/parcels/") and path.endswith("/feasibility/") \
                    and role not in {"reviewer.power", "gis.power"} | COORD:
                power = next(s for s in response.json()["services"] if s["service"] == "power")
                if power["nearest"] is not None or power["transformer"] is not None:
                    unauthorized += 1
                    problems.append(f"UNAUTHORIZED {role} sees power assets in feasibility")
            if ok and path.startswith("/api/v1/assets/"):
                layers = {f["properties"]["layer"] for f in response.json()["features"]}
                if layers & {"power-cables", "power-nodes"} and role not in power_roles():
                    unauthorized += 1
                    problems.append(f"UNAUTHORIZED {role} finds power assets by id")
    with capsys.disabled():
        print(f"\nrole × door: {len(ROLES)} roles, {tried} requests, {unauthorized} unauthorized successes, "
              f"{wrongly_refused} wrongly refused; {writes_checked} refused writes, each checked to have written "
              "nothing")
    assert problems == []


def power_roles():
    return COORD | {"reviewer.power", "gis.power"}
