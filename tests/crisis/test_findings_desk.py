"""Issue 26 item 2 behind the page: what an agency says of a finding (acknowledged, fixed, dismissed with its
reason) is kept in its history and carried into the next run by the finding's key — a finding marked fixed and
found again is reopened, one marked fixed and gone is confirmed fixed, a dismissed one stays dismissed."""

import pytest
import shapely
from django.contrib.auth import get_user_model

from panjereh.citymap.importing import PreparedFeatures, feature_row
from panjereh.citymap.models import Feature, Layer
from panjereh.citymap.services import publish_version
from panjereh.core.errors import FieldError
from panjereh.crisis.models import Finding, FindingEvent
from panjereh.crisis.services import act_on_finding, run_consistency

pytestmark = pytest.mark.django_db


def staff(username):
    return get_user_model().objects.get(username=username)


def test_a_findings_life_across_runs(city):
    first = run_consistency()
    clearances = list(first.findings.filter(check_name="clearance").order_by("id"))
    assert len(clearances) >= 3
    acknowledged, dismissed, fixed = clearances[:3]
    overloaded = first.findings.get(check_name="overloaded")
    power = staff("reviewer.power")
    who = {a.agency.code for a in clearances[:3]} | {a.other_agency.code for a in clearances[:3]}
    outsider = next(u for u in ("reviewer.telecom", "reviewer.fire", "reviewer.municipality")
                    if u.split(".")[1] not in who)
    with pytest.raises(FieldError):  # an agency acts on its own findings only
        act_on_finding(actor=staff(outsider), finding=acknowledged, action="acknowledge")
    owner = staff(f"reviewer.{acknowledged.agency.code}")
    act_on_finding(actor=owner, finding=acknowledged, action="acknowledge")
    with pytest.raises(FieldError) as no_reason:
        act_on_finding(actor=staff(f"gis.{dismissed.agency.code}"), finding=dismissed, action="dismiss")
    assert no_reason.value.field == "reason"
    act_on_finding(actor=staff(f"gis.{dismissed.agency.code}"), finding=dismissed, action="dismiss",
                   reason="the two run in separate sleeves under the crossing")
    act_on_finding(actor=staff(f"reviewer.{fixed.agency.code}"), finding=fixed, action="fixed")
    act_on_finding(actor=power, finding=overloaded, action="fixed")
    # the power company really fixes the overload: a new version of its stations with the load corrected
    nodes = Layer.objects.get(code="power-nodes")
    current = list(Feature.objects.filter(version=nodes.current_version).order_by("id"))
    bad = overloaded.features[0]["ext_id"]
    rows = [feature_row(ext_id=f.ext_id, kind=f.kind, capacity_kva=f.capacity_kva,
                        load_kva=(f.capacity_kva * 0.5 if f.ext_id == bad else f.load_kva), voltage_kv=f.voltage_kv)
            for f in current]
    publish_version(layer=nodes, prepared=PreparedFeatures(
        geoms=shapely.from_wkb([bytes(f.geom.wkb) for f in current]), rows=rows))

    second = run_consistency()
    by_key = {f.key: f for f in second.findings.all()}
    assert by_key[acknowledged.key].state == "acknowledged"
    assert by_key[dismissed.key].state == "dismissed" and "sleeves" in by_key[dismissed.key].reason
    assert by_key[fixed.key].state == "open" and by_key[fixed.key].reopened  # still there: reopened
    assert overloaded.key not in by_key  # gone: the fix is confirmed
    assert Finding.objects.get(pk=overloaded.pk).state == "confirmed"
    history = list(FindingEvent.objects.filter(key=fixed.key).values_list("action", flat=True))
    assert history == ["fixed", "reopened"]
    assert list(FindingEvent.objects.filter(key=overloaded.key).values_list("action", flat=True)) == \
        ["fixed", "confirmed"]
    with pytest.raises(FieldError):  # the earlier run's findings are history, not acted on
        act_on_finding(actor=owner, finding=acknowledged, action="fixed")
