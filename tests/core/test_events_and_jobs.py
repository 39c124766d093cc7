"""Issue 27 items 2 and 3: the worker's jobs come from one registry filled by the apps themselves, and every
outbox event type is declared in the catalogue — an unknown one is refused, the docs list exactly the
catalogue, and no event name is built from a status value."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from panjereh.core import audit, events, jobs
from panjereh.core.models import OutboxEvent

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_an_event_type_nobody_declared_is_refused():
    before = OutboxEvent.objects.count()
    with pytest.raises(events.UnknownEvent, match="works.permit_pending"):
        audit.emit(event_type="works.permit_pending", agency_code="water")
    assert OutboxEvent.objects.count() == before
    assert audit.emit(event_type="works.permit_granted", agency_code="water").pk


def test_the_docs_list_exactly_the_catalogue():
    text = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    listed = text.split("<!-- events:start -->")[1].split("<!-- events:end -->")[0]
    out = io.StringIO()
    call_command("events", "--markdown", stdout=out)
    assert listed.strip() == out.getvalue().strip()


def test_every_emitted_type_is_a_declared_literal():
    """No `event_type=f"works.{status}"`: each emit names its type as written, and the type is declared."""
    declared = set(events.catalogue())
    found = set()
    for path in (ROOT / "src" / "panjereh").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"event_type=f[\"']", source), f"{path}: an event name built at run time"
        found |= set(re.findall(r"event_type=\"([a-z_.]+)\"", source))
    assert found - declared == set(), found - declared
    assert len(found) >= 30


def test_the_worker_runs_the_jobs_the_apps_registered():
    """integrations' worker knows no domain app: it runs what the apps registered, in order."""
    names = [job.name for job in jobs.registered()]
    assert names == ["webhooks", "sms", "consumers", "papers", "plancheck", "deadlines"]
    source = (ROOT / "src" / "panjereh" / "integrations" / "delivery.py").read_text(encoding="utf-8")
    assert not re.search(r"from panjereh\.(permits|sms|works|crisis|citymap)", source)


def test_one_failing_job_does_not_stop_the_others(monkeypatch):
    ran = []
    monkeypatch.setattr(jobs, "_JOBS", {})
    jobs.register("first", lambda w, b: 1 / 0, order=1)
    jobs.register("second", lambda w, b: ran.append(w) or {"done": 3}, order=2)
    assert jobs.run_all("w") == {"first_error": 1, "second_done": 3} and ran == ["w"]
