"""Demo counter offices and demo users (demo only: documented in the README, never for a real city)."""

import os

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from panjereh.agencies.models import Agency, CounterOffice, StaffProfile

DEMO_PASSWORD_ENV = "PANJEREH_DEMO_PASSWORD"
DEFAULT_DEMO_PASSWORD = "demo-only-1405"

OFFICES = [(f"ahvaz-{n:03d}", f"دفتر پیشخوان اهواز {n}", f"Ahvaz counter office {n}", 1 + (n - 1) % 8)
           for n in range(1, 11)]


def demo_users() -> list[tuple[str, str, str | None, str | None]]:
    """(username, role, agency code, office code) for every demo user."""
    users = [("admin", "admin", None, None), ("coordinator", "coordinator", None, None),
             ("operator1", "operator", None, "ahvaz-001"), ("operator2", "operator", None, "ahvaz-002"),
             ("signer", "signer", "municipality", None)]
    for agency in ("municipality", "water", "power", "gas", "telecom", "fire"):
        users.append((f"reviewer.{agency}", "reviewer", agency, None))
        users.append((f"gis.{agency}", "gis", agency, None))
    return users


def create_demo_people() -> str:
    """Create demo offices and users (idempotent). Returns the demo password in use."""
    password = os.environ.get(DEMO_PASSWORD_ENV, DEFAULT_DEMO_PASSWORD)
    user_model = get_user_model()
    with transaction.atomic():
        for code, fa, en, region in OFFICES:
            CounterOffice.objects.get_or_create(code=code, defaults={"name_fa": fa, "name_en": en, "region": region})
        for username, role, agency, office in demo_users():
            user, created = user_model.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
                user.is_staff = role == "admin"
                user.is_superuser = role == "admin"
                user.save()
            StaffProfile.objects.update_or_create(user=user, defaults={
                "role": role, "agency": Agency.objects.get(code=agency) if agency else None,
                "office": CounterOffice.objects.get(code=office) if office else None})
            Token.objects.get_or_create(user=user)
    return password
