"""Staff API tokens: issued at sign-in, stored as hashes, sent as ``Authorization: Token <key>``."""

import datetime
import secrets

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication

from panjereh.agencies.models import StaffToken
from panjereh.core.tokens import HashedTokenAuthentication, hash_token


def new_token(user) -> tuple[StaffToken, str]:
    """A new API token for ``user``: its stored record and the key, which is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    token = StaffToken.objects.create(user=user, prefix=raw[:8], key_hash=hash_token(raw),
                                      expires_at=timezone.now()
                                      + datetime.timedelta(days=settings.PANJEREH_API_TOKEN_DAYS))
    return token, raw


def issue_token(user) -> str:
    """A new API token's key for ``user`` (commands, tests, benchmarks)."""
    return new_token(user)[1]


class StaffTokenAuthentication(HashedTokenAuthentication, BaseAuthentication):
    """``Authorization: Token <key>`` against the stored hashes; expired, revoked or inactive: refused."""

    keyword = "Token"

    def find(self, key_hash: str):
        # the user's staff profile in the same query: every permission question of the request asks for it
        # key_hash is unique: [:1] without the model's ordering, which first() would compile and sort by
        token = next(iter(StaffToken.objects.select_related("user", "user__staff").filter(key_hash=key_hash)
                          .order_by()[:1]), None)
        if token is None or token.revoked_at is not None or token.expires_at <= timezone.now() \
                or not token.user.is_active:
            return None
        return token.user, token
