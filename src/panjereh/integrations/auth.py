"""Authentication of agency systems by API token: ``Authorization: Agency <token>``."""

from django.db.models import Q
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from panjereh.integrations.models import AgencyToken, hash_token


class AgencySystem:
    """The principal of a request made by an agency's system (not a person)."""

    is_authenticated = True
    is_superuser = False
    is_anonymous = False

    def __init__(self, token: AgencyToken):
        self.token = token
        self.agency = token.agency

    def __str__(self):
        return f"agency-system:{self.agency.code}/{self.token.name}"


class AgencyTokenAuthentication(BaseAuthentication):
    keyword = "Agency"

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header.startswith(self.keyword + " "):
            return None
        raw = header[len(self.keyword) + 1:].strip()
        token = AgencyToken.objects.select_related("agency").filter(
            Q(revoked_at__isnull=True), key_hash=hash_token(raw)).first()
        if token is None:
            raise AuthenticationFailed("unknown or revoked agency token")
        return AgencySystem(token), token

    def authenticate_header(self, request):
        return self.keyword
