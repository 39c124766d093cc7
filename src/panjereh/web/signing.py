"""The signing official's desk: the permits waiting for a signature (where the city has its permits signed on
a page rather than at issue), oldest first, each signed with one click after a look at its file. Also where
the official sees the completions they certified and the exceptions they granted."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from panjereh import access
from panjereh.agencies.codes import MUNICIPALITY
from panjereh.agencies.models import Agency
from panjereh.cities.models import City
from panjereh.core.ids import id_or_zero
from panjereh.core.text import Localized
from panjereh.permits import services
from panjereh.permits.models import Permit


@login_required
@require_http_methods(["GET", "POST"])
def signing(request):
    if not access.can_certify_completion(request.user):
        raise PermissionDenied("permits are signed by the municipality's signing official")
    if request.method == "POST":
        permit = access.in_cities(request.user, Permit.objects, "application__city").filter(
            pk=id_or_zero(request.POST.get("permit")), signed_at__isnull=True).first()
        if permit is None:
            messages.error(request, _("This permit is not waiting for a signature."))
        else:
            services.sign_permit(actor=request.user, permit=permit)
            messages.success(request, _("Permit %(number)s is signed; its paper is being made.")
                             % Localized({"number": permit.number}))
        return redirect("signing")
    waiting = access.in_cities(request.user, Permit.objects, "application__city").filter(
        signed_at__isnull=True).select_related("application__parcel") \
        .order_by("issued_at", "id")
    page = Paginator(waiting, 50).get_page(request.GET.get("page"))
    return render(request, "web/signing.html", {
        "page": page, "await_signature": Agency.objects.filter(kind=MUNICIPALITY, permits_await_signature=True,
                                                               cities__in=_cities(request.user)).exists()})


def _cities(user):
    """The cities whose municipalities' signing this user sees (every city: a coordinator, an administrator)."""
    ids = access.city_ids(user)
    return City.objects.all() if ids is None else City.objects.filter(pk__in=ids)
