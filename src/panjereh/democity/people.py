"""Demo counter offices and demo users (demo only: documented in the README, never for a real city)."""

import os

from django.contrib.auth import get_user_model
from django.db import transaction

from panjereh.agencies.models import Agency, CounterOffice, StaffProfile
from panjereh.core.text import persian_digits
from panjereh.democity.models import DemoBuild
from panjereh.permits.models import Engineer

DEMO_PASSWORD_ENV = "PANJEREH_DEMO_PASSWORD"
DEFAULT_DEMO_PASSWORD = "demo-only-1405"

OFFICES = [(f"ahvaz-{n:03d}", f"دفتر پیشخوان اهواز {persian_digits(n)}", f"Ahvaz counter office {n}",
            1 + (n - 1) % 8) for n in range(1, 11)]


def demo_users() -> list[tuple[str, str, str | None, str | None]]:
    """(username, role, agency code, office code) for every demo user."""
    users = [("admin", "admin", None, None), ("coordinator", "coordinator", None, None),
             ("operator1", "operator", None, "ahvaz-001"), ("operator2", "operator", None, "ahvaz-002"),
             ("signer", "signer", "municipality", None)]
    for agency in ("municipality", "water", "power", "gas", "telecom", "fire"):
        users.append((f"reviewer.{agency}", "reviewer", agency, None))
        users.append((f"gis.{agency}", "gis", agency, None))
    return users


# the demo's people as papers and pages name them (name fa, name en, title fa, title en)
PEOPLE = {
    "signer": ("مهندس سارا موسوی", "Sara Mousavi", "معاون شهرسازی و معماری", "Deputy Mayor for Urban Planning"),
    "operator1": ("مریم کریمی", "Maryam Karimi", "کارشناس پیشخوان", "Counter clerk"),
    "operator2": ("رضا احمدی", "Reza Ahmadi", "کارشناس پیشخوان", "Counter clerk"),
    "coordinator": ("علی رستمی", "Ali Rostami", "هماهنگ‌کننده استانی", "Provincial coordinator"),
    "reviewer.municipality": ("نرگس جعفری", "Narges Jafari", "کارشناس شهرسازی", "Planning reviewer"),
    "reviewer.water": ("حسین نوری", "Hossein Nouri", "کارشناس انشعابات آب", "Water connections reviewer"),
    "reviewer.power": ("فاطمه صالحی", "Fatemeh Salehi", "کارشناس انشعابات برق", "Power connections reviewer"),
    "reviewer.gas": ("مهدی کاظمی", "Mehdi Kazemi", "کارشناس انشعابات گاز", "Gas connections reviewer"),
    "reviewer.telecom": ("زهرا حیدری", "Zahra Heydari", "کارشناس مخابرات", "Telecom reviewer"),
    "reviewer.fire": ("امیر قاسمی", "Amir Ghasemi", "کارشناس ایمنی", "Fire safety reviewer"),
}


# the demo's engineers of the register (membership, name fa, name en, grade, national ID, mobile, staff account):
# two supervising engineers who sign in as citizens, and the municipality's planning reviewer as its inspector
ENGINEERS = [
    ("20-310-01234", "مهندس کامران شریفی", "Kamran Sharifi", "1", "1790123453", "09161234501", None),
    ("20-310-05678", "مهندس پریسا عباسی", "Parisa Abbasi", "3", "1790543215", "09161234502", None),
    ("20-310-00077", "نرگس جعفری", "Narges Jafari", "1", "1790678900", "09161234503", "reviewer.municipality"),
]


def create_demo_engineers() -> None:
    """The demo's engineers (a deployment imports its province's register instead); existing ones untouched."""
    user_model = get_user_model()
    for membership, fa, en, grade, national_id, mobile, username in ENGINEERS:
        Engineer.objects.get_or_create(membership=membership, defaults={
            "name_fa": fa, "name_en": en, "grade": grade, "national_id": national_id, "mobile": mobile,
            "user": user_model.objects.filter(username=username).first() if username else None})


class NotADemoDatabase(Exception):
    """The database was not built by the demo city: demo people (with a published password) are not made."""


def create_demo_people() -> tuple[str, list[str]]:
    """Create the demo offices and the demo users that do not exist yet; returns (password, usernames made).

    Only in a database the demo city built (it has a DemoBuild record): a city's own database never gets
    users whose password is printed in the README. An existing user is never touched — not its password,
    not its role — whatever its name.
    """
    if not DemoBuild.objects.exists():
        raise NotADemoDatabase("this database was not built by `panjereh democity`: no demo users are made in it")
    password = os.environ.get(DEMO_PASSWORD_ENV, DEFAULT_DEMO_PASSWORD)
    user_model = get_user_model()
    made = []
    with transaction.atomic():
        for code, fa, en, region in OFFICES:
            CounterOffice.objects.get_or_create(code=code, defaults={"name_fa": fa, "name_en": en, "region": region})
        for username, role, agency, office in demo_users():
            if user_model.objects.filter(username=username).exists():
                continue
            user = user_model(username=username, is_staff=role == "admin", is_superuser=role == "admin")
            user.set_password(password)
            user.save()
            name_fa, name_en, title_fa, title_en = PEOPLE.get(username, ("", "", "", ""))
            StaffProfile.objects.create(user=user, role=role,
                                        agency=Agency.objects.get(code=agency) if agency else None,
                                        office=CounterOffice.objects.get(code=office) if office else None,
                                        name_fa=name_fa, name_en=name_en, title_fa=title_fa, title_en=title_en,
                                        signs_papers=username == "signer")
            made.append(username)
        create_demo_engineers()
    return password, made
