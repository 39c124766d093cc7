"""panjereh agencytoken create|revoke|list: API tokens for the agencies' own systems."""

import secrets

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from panjereh.agencies.models import Agency
from panjereh.core.token_hashing import hash_token
from panjereh.integrations.models import AgencyToken


def create_token(agency: Agency, name: str) -> str:
    """Make a token for ``agency``; return it (shown once: only its hash is kept)."""
    token = f"pj_{agency.code}_{secrets.token_urlsafe(32)}"
    AgencyToken.objects.create(agency=agency, name=name, prefix=token[:12], key_hash=hash_token(token))
    return token


class Command(BaseCommand):
    help = "Create, revoke or list the API tokens of an agency's system."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke", "list"])
        parser.add_argument("agency")
        parser.add_argument("--name", default="default")
        parser.add_argument("--prefix", help="revoke: the token's first 12 characters")

    def handle(self, *args, action, agency, name, prefix, **options):
        try:
            target = Agency.objects.get(code=agency)
        except Agency.DoesNotExist:
            raise CommandError(f"agency «{agency}» does not exist") from None
        if action == "create":
            self.stdout.write(create_token(target, name))
            self.stderr.write("keep this token: it is not shown again")
        elif action == "revoke":
            n = AgencyToken.objects.filter(agency=target, prefix=prefix, revoked_at__isnull=True).update(
                revoked_at=timezone.now())
            if not n:
                raise CommandError(f"no active token {prefix}… for {agency}")
            self.stdout.write(f"revoked {n}")
        else:
            for t in AgencyToken.objects.filter(agency=target):
                self.stdout.write(f"{t.prefix}…  {t.name}  created {t.created_at:%Y-%m-%d}  "
                                  f"{'revoked' if t.revoked_at else 'active'}")
