"""Authentication of agency systems by API token: ``Authorization: Agency <token>``."""

from django.db.models import Q
from rest_framework.authentication import BaseAuthentication

from panjereh.core.token_hashing import HashedTokenAuthentication
from panjereh.integrations.models import AgencyToken


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


class AgencyTokenAuthentication(HashedTokenAuthentication, BaseAuthentication):
    keyword = "Agency"
    refusal = "unknown or revoked agency token"

    def find(self, key_hash: str):
        token = AgencyToken.objects.select_related("agency").filter(
            Q(revoked_at__isnull=True), key_hash=key_hash).first()
        return (AgencySystem(token), token) if token else None
