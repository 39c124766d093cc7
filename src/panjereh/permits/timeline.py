"""A file's agencies as the pages show them: each task of each round with its deadline, the working days left,
its questions and answers, and — for a task withdrawn by a refusal — the refusal that withdrew it."""

from django.utils import timezone

from panjereh.core.calendar import local_date, working_days_between
from panjereh.permits.models import ReviewTask


def task_rows(app) -> list[dict]:
    """[{"task", "left" (working days, open tasks only), "refused_by"}] ordered by deadline and agency."""
    today = local_date(timezone.now())
    rows = list(app.tasks.select_related("agency", "reason").prefetch_related("info_requests__documents").order_by(
        "due_date", "agency__code"))
    # a withdrawn task names the refusal that withdrew it, in the page's language (its stored note is for audit)
    refusals = {t.round: t for t in rows if t.status == ReviewTask.Status.REJECTED}
    tasks = []
    for t in rows:
        left = working_days_between(today, t.due_date) if t.status in ReviewTask.OPEN else None
        refused_by = refusals.get(t.round) if t.status == ReviewTask.Status.WITHDRAWN else None
        tasks.append({"task": t, "left": left, "refused_by": refused_by})
    return tasks
