"""A file's agencies as the pages show them: each task of each round with its deadline, the working days left,
its questions and answers, and — for a task withdrawn by a refusal — the refusal that withdrew it."""

from django.utils import timezone

from panjereh.core.calendar import local_date, working_days_between
from panjereh.permits.models import ReviewTask


def task_rows(app) -> list[dict]:
    """[{"task", "left" (working days, open tasks within their deadline), "late", "late_days", "refused_by"}] ordered by deadline and agency."""
    today = local_date(timezone.now())
    rows = list(app.tasks.select_related("agency", "reason").prefetch_related("info_requests__documents").order_by(
        "due_date", "agency__code"))
    # a withdrawn task names the refusal that withdrew it, in the page's language (its stored note is for audit)
    refusals = {t.round: t for t in rows if t.status == ReviewTask.Status.REJECTED}
    tasks = []
    for t in rows:
        is_open = t.status in ReviewTask.OPEN
        late = is_open and t.due_date < today  # as the inbox says it: past the deadline, not "0 days left"
        left = working_days_between(today, t.due_date, city=app.city_id) if is_open and not late else None
        refused_by = refusals.get(t.round) if t.status == ReviewTask.Status.WITHDRAWN else None
        tasks.append({"task": t, "left": left, "refused_by": refused_by, "late": late,
                      "late_days": working_days_between(t.due_date, today, city=app.city_id) if late else 0})
    return tasks
