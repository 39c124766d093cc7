"""The appeal body's desk (``/appeals/``): the appeals waiting for a decision in the files of the cities its
members work in, the earliest due first; each shows the refusal, the grounds and the document, and is upheld
(the review reopens) or dismissed with the commission's reasons, confirmed by the service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh import access
from panjereh.core.calendar import local_date
from panjereh.core.ids import id_or_zero
from panjereh.core.text import Localized
from panjereh.permits import services
from panjereh.permits.models import Appeal


@login_required
def appeals(request):
    if not access.can_decide_appeals(request.user):
        raise PermissionDenied("appeals are decided by the city's appeal body")
    files = access.visible_applications(request.user)
    if request.method == "POST":
        appeal = Appeal.objects.filter(pk=id_or_zero(request.POST.get("appeal")), application__in=files).first()
        if appeal is None:
            messages.error(request, _("This appeal is not waiting for a decision."))
            return redirect("appeals")
        try:
            services.decide_appeal(actor=request.user, appeal=appeal, upheld=request.POST.get("decision") == "uphold",
                                   note=request.POST.get("note", ""))
        except (services.ApplicationError, services.Conflict) as exc:
            messages.error(request, str(exc))
            return redirect("appeals")
        messages.success(request, _("The appeal of file %(code)s is decided.")
                         % Localized({"code": appeal.application.tracking_code}))
        return redirect("appeals")
    today = local_date(timezone.now())
    waiting = list(services.waiting_appeals(files)[:100])
    return render(request, "web/appeals.html", {"appeals": waiting, "today": today})
