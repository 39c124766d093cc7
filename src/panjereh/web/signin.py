"""Staff sign-in and its two brakes, and the administrator's page that lifts them.

1. django-axes locks a **pair** — one username from one address — after PANJEREH_SIGNIN_FAILURES wrong
   passwords, for PANJEREH_SIGNIN_COOLOFF_HOURS. Locking the username alone let anyone lock the signer or the
   administrator out from anywhere; locking the address alone locked out every clerk of an office behind one
   address after one clerk's typos.
2. An address that fails more than PANJEREH_SIGNIN_FAILURES_PER_ADDRESS times in the cool-off period, across
   any usernames, waits too: far above what an office's clerks mistype, far below what guessing needs.

An administrator sees both on ``/signin-locks/`` and lifts either with one click."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from panjereh import access
from panjereh.core.clientip import client_ip
from panjereh.core.counters import count
from panjereh.core.text import Localized

ADDRESS_KEY = "signin-failures:{}"
ADDRESSES_KEY = "signin-failures:addresses"


def _period() -> int:
    return int(float(settings.AXES_COOLOFF_TIME) * 3600)


def address_failures(address: str) -> int:
    return cache.get(ADDRESS_KEY.format(address), 0)


def _count_failure(address: str) -> None:
    count(ADDRESS_KEY.format(address), _period())
    known = set(cache.get(ADDRESSES_KEY, set()))
    known.add(address)
    cache.set(ADDRESSES_KEY, known, timeout=_period())


class SignInView(auth_views.LoginView):
    template_name = "web/login.html"

    def post(self, request, *args, **kwargs):
        if address_failures(client_ip(request) or "") >= settings.PANJEREH_SIGNIN_FAILURES_PER_ADDRESS:
            return render(request, "web/locked.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        _count_failure(client_ip(self.request) or "")
        return super().form_invalid(form)


@require_http_methods(["GET", "POST"])
def signin_locks(request):
    """The administrator's page: every locked pair and throttled address, each lifted with one click."""
    from axes.models import AccessAttempt
    from axes.utils import reset

    if not request.user.is_authenticated or access.role(request.user) != "admin":
        raise PermissionDenied("only an administrator lifts sign-in locks")
    if request.method == "POST":
        username, address = request.POST.get("username", ""), request.POST.get("address", "")
        if username:
            reset(ip=address or None, username=username)
            messages.success(request, _("%(username)s may sign in again.") % Localized({"username": username}))
        elif address:
            cache.delete(ADDRESS_KEY.format(address))
            messages.success(request, _("Address %(address)s may sign in again.") % Localized({"address": address}))
        return redirect("signin-locks")
    pairs = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT) \
        .order_by("-attempt_time")[:200]
    addresses = sorted((a, address_failures(a)) for a in cache.get(ADDRESSES_KEY, set()) if address_failures(a))
    return render(request, "web/signin_locks.html", {
        "pairs": pairs, "addresses": addresses, "address_limit": settings.PANJEREH_SIGNIN_FAILURES_PER_ADDRESS})
