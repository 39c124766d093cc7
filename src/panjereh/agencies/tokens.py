"""Staff API tokens: issued at sign-in, stored as hashes, sent as ``Authorization: Token <key>``."""

import datetime
import secrets

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from panjereh.agencies.models import StaffToken, hash_token


def issue_token(user) -> str:
    """A new API token for ``user``; the key is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    StaffToken.objects.create(user=user, prefix=raw[:8], key_hash=hash_token(raw),
                              expires_at=timezone.now() + datetime.timedelta(days=settings.PANJEREH_API_TOKEN_DAYS))
    return raw


class StaffTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>`` against the stored hashes; expired, revoked or inactive: refused."""

    keyword = "Token"

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header.startswith(self.keyword + " "):
            return None
        raw = header[len(self.keyword) + 1:].strip()
        if not raw or len(raw) > 200:
            raise AuthenticationFailed("malformed token")
        token = StaffToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
        if token is None or token.revoked_at is not None or token.expires_at <= timezone.now() \
                or not token.user.is_active:
            raise AuthenticationFailed("unknown, expired or revoked token")
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
