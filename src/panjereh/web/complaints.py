"""The complaints desk (``/complaints/``): an agency's staff answer the complaints about their agency's
connections and bills, the earliest due first; the province's coordinators — the independent body — see every
complaint, the escalated ones first, and answer those the agency left unanswered."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh import access
from panjereh.core.calendar import local_date
from panjereh.core.ids import id_or_zero
from panjereh.core.text import Localized
from panjereh.permits import services
from panjereh.permits.models import Complaint

OPEN = [Complaint.Status.ESCALATED, Complaint.Status.PENDING]


@login_required
def complaints(request):
    mine = access.complaints_for(request.user)
    if not access.is_coordinator(request.user) and access.staff_profile(request.user) is None:
        raise PermissionDenied("complaints are answered by the agency's staff")
    if request.method == "POST":
        complaint = mine.filter(pk=id_or_zero(request.POST.get("complaint")), status__in=OPEN).first()
        if complaint is None:
            messages.error(request, _("This complaint is not waiting for an answer."))
            return redirect("complaints")
        try:
            services.answer_complaint(actor=request.user, complaint=complaint, answer=request.POST.get("answer", ""))
        except (services.ApplicationError, services.Conflict) as exc:
            messages.error(request, str(exc))
            return redirect("complaints")
        messages.success(request, _("The complaint about file %(code)s is answered.")
                         % Localized({"code": complaint.application.tracking_code}))
        return redirect("complaints")
    waiting = mine.filter(status__in=OPEN).select_related("application", "agency").annotate(
        first=Case(When(status=Complaint.Status.ESCALATED, then=Value(0)), default=Value(1),
                   output_field=IntegerField())).order_by("first", "due_date", "id")[:100]
    return render(request, "web/complaints.html", {"complaints": list(waiting),
                                                   "today": local_date(timezone.now())})
