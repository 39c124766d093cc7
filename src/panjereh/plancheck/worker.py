"""The worker's plan checks: one large drawing a pass, claimed so two workers never check the same one (a worker
that dies mid-way leaves it to another after the claim), its progress written as it goes, its upload removed
once checked (the drawing itself is kept by the check, under its SHA-256)."""

import datetime
import logging
import shutil
import tempfile

from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh.plancheck.models import PlanCheckJob
from panjereh.plancheck.services import PlanCheckError, check_file

log = logging.getLogger(__name__)
CLAIM = datetime.timedelta(minutes=10)


def _claim() -> PlanCheckJob | None:
    now = timezone.now()
    waiting = PlanCheckJob.objects.filter(Q(status=PlanCheckJob.Status.QUEUED) | Q(
        status=PlanCheckJob.Status.RUNNING, claimed_until__lt=now)).order_by("created_at", "id")
    for job in waiting[:3]:
        if PlanCheckJob.objects.filter(pk=job.pk, status=job.status, claimed_until=job.claimed_until).update(
                status=PlanCheckJob.Status.RUNNING, claimed_until=now + CLAIM, progress=5) == 1:
            job.refresh_from_db()
            return job
    return None


def run_pending(worker_id: str = "", batch: int = 1) -> dict:
    job = _claim()
    if job is None:
        return {}
    last = [5]

    def progress(percent: int) -> None:
        if percent >= last[0] + 5:  # a write every 5% at most
            last[0] = percent
            PlanCheckJob.objects.filter(pk=job.pk).update(progress=min(percent, 99))

    try:
        with tempfile.NamedTemporaryFile(prefix="plancheck-") as local:
            # the stored upload copied a chunk at a time (the storage may be an object store): the readers open
            # files, and a large drawing is never whole in memory
            with default_storage.open(job.file, "rb") as handle:
                shutil.copyfileobj(handle, local, 1024 * 1024)
            local.flush()
            plan, _new = check_file(actor=job.created_by, parcel=job.parcel, application=job.application,
                                    path=local.name, original_name=job.original_name, land_use=job.land_use,
                                    units=job.units, progress=progress)
    except PlanCheckError as exc:
        PlanCheckJob.objects.filter(pk=job.pk).update(status=PlanCheckJob.Status.FAILED, problems=exc.problems,
                                                      progress=100)
        default_storage.delete(job.file)
        return {"failed": 1}
    except Exception:  # noqa: BLE001 — a reader's bug is this drawing's failure, not the worker's
        log.exception("plan check job %s failed", job.pk)
        PlanCheckJob.objects.filter(pk=job.pk).update(status=PlanCheckJob.Status.FAILED, progress=100, problems=[
            _("The drawing could not be checked (the operators are told): try again, or send it as a DXF.")])
        return {"error": 1}
    PlanCheckJob.objects.filter(pk=job.pk).update(status=PlanCheckJob.Status.DONE, result=plan, progress=100)
    default_storage.delete(job.file)
    return {"checked": 1}
