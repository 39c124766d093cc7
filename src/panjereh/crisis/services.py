"""State changes of consistency checking and incident response (one transaction each, audited)."""

import time

from django.contrib.gis.geos import Point
from django.db import transaction

from panjereh.agencies.models import Agency
from panjereh.core import audit
from panjereh.crisis import consistency
from panjereh.crisis.models import ConsistencyRun, Finding


def run_consistency(*, actor=None) -> ConsistencyRun:
    """Run every consistency check over the whole map and store the findings as one run."""
    started = time.monotonic()
    findings = consistency.all_checks()
    agencies = {a.code: a for a in Agency.objects.all()}
    with transaction.atomic():
        run = ConsistencyRun.objects.create()
        Finding.objects.bulk_create([Finding(
            run=run, check_name=f["check_name"], agency=agencies[f["agency"]],
            other_agency=agencies.get(f["other_agency"]) if f["other_agency"] else None, layer_code=f["layer_code"],
            features=f["features"], message_fa=f["message_fa"], message_en=f["message_en"], data=f["data"],
            location=Point(*f["location"], srid=32639) if f["location"] else None) for f in findings])
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
