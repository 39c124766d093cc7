"""HTTP Basic sign-in on the map's read endpoints (OGC API – Features, vector tiles), for desktop GIS.

QGIS, ArcGIS and every desktop GIS send a user name and password (HTTP Basic, kept in their own
authentication store); none of them can send our ``Authorization: Token`` header through its OGC API or
vector-tile provider. So the map's read endpoints — only they: nothing there changes anything — accept Basic
credentials:

- over HTTPS only, outside a demo (``PANJEREH_DEMO``): a password never crosses the network in clear;
- through ``django.contrib.auth.authenticate`` with the request, so django-axes counts a wrong password and
  locks the account out exactly as at the sign-in page;
- a verified pair is remembered for ``PANJEREH_MAP_BASIC_CACHE_SECONDS`` under an HMAC of the pair (never
  the password itself), so a map of two hundred tiles costs one password hash, not two hundred (the hash is
  slow on purpose); a changed password, a deactivated account or a lockout ends it at once.

What the signed-in user may then see is the permission module's answer, as for a token.
"""

import hashlib
import hmac

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication


def _remembered_key(username: str, password: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{username}\0{password}".encode(), hashlib.sha256)
    return f"panjereh:map-basic:{digest.hexdigest()}"


class MapBasicAuthentication(BasicAuthentication):
    """``Authorization: Basic …`` on the map's read endpoints (see the module's docstring)."""

    www_authenticate_realm = "Panjereh"

    def authenticate_credentials(self, userid, password, request=None):
        http = getattr(request, "_request", request)  # axes marks the Django request, not DRF's wrapper
        if not (http.is_secure() or settings.PANJEREH_DEMO):
            raise exceptions.AuthenticationFailed(_("A user name and password are accepted over HTTPS only."))
        key = _remembered_key(userid, password)
        remembered = cache.get(key)
        if remembered is not None:
            user = get_user_model().objects.select_related("staff").filter(pk=remembered[0]).first()
            if user is not None and user.is_active and user.password == remembered[1] \
                    and not AxesProxyHandler.is_locked(http, {"username": userid}):
                return user, None
            cache.delete(key)
        user = authenticate(request=http, username=userid, password=password)
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid user name or password."))
        cache.set(key, (user.pk, user.password), settings.PANJEREH_MAP_BASIC_CACHE_SECONDS)
        return user, None


def read_authentication() -> list:
    """The authentication classes of the map's read endpoints: the API's own (token, session), then Basic."""
    from rest_framework.settings import api_settings

    classes = list(api_settings.DEFAULT_AUTHENTICATION_CLASSES)
    return classes if any(issubclass(c, BasicAuthentication) for c in classes) else [*classes,
                                                                                      MapBasicAuthentication]
