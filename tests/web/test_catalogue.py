"""The pages' words come from the gettext catalogue: every word has its Persian, compiled."""

from pathlib import Path

from django.utils import translation

import panjereh
from panjereh.web.words import MESSAGES, word

PO = Path(panjereh.__file__).parent / "locale" / "fa" / "LC_MESSAGES" / "django.po"


def test_every_word_is_translated_in_the_catalogue():
    assert PO.with_suffix(".mo").exists(), "scripts/setup.sh compiles the catalogue"
    missing = [key for key in MESSAGES if word(key, "fa") == word(key, "en")]
    assert missing == []
    assert word("title", "fa") == "پنجره واحد خدمات شهری" and word("title", "en") == "Urban services single window"
    # one English word, two Persian ones: the key is the message context
    assert word("decide", "fa") == word("decision", "fa") == "تصمیم"


def test_the_catalogue_follows_the_active_language():
    with translation.override("fa"):
        assert str(MESSAGES["counter"]) == "پیشخوان"
    with translation.override("en"):
        assert str(MESSAGES["counter"]) == "Counter"


def test_no_message_in_the_code_is_missing_from_the_catalogue(tmp_path):
    """Extract every translatable message from the code as it is now (Django's makemessages, over a copy of
    the package) and find each one translated, none fuzzy: a new message without its Persian fails here."""
    import shutil
    import subprocess
    import sys

    import polib

    package = Path(panjereh.__file__).parent
    copy = tmp_path / "panjereh"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "fa", "--no-obsolete",
                    "--add-location=file", "-i", "locale/*"], cwd=copy, check=True, capture_output=True,
                   env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "panjereh.settings"})
    catalogue = polib.pofile(str(copy / "locale" / "fa" / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in catalogue if not e.msgstr]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert len(catalogue) > 500 and untranslated == [] and fuzzy == [], (untranslated, fuzzy)


def test_the_admin_speaks_persian_for_layers_and_agencies(db):
    """Issue 25 item 11: "Layers", "اضافه‌کردن layer", "Code:", "Name fa:" in the administrator's pages."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    admin = get_user_model().objects.create_superuser("catalogue-admin", password="x" * 20)
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/citymap/layer/add/").content.decode()
    assert "لایه" in page and "Name fa" not in page and "Code:" not in page and "layer</" not in page
    page = client.get("/admin/agencies/agency/add/").content.decode()
    assert "نام (فارسی)" in page and "Name fa" not in page


def test_fields_never_named_are_labelled_from_the_catalogue_in_the_admin(db):
    """A field with no verbose name of its own (an outbox event's "event type", a payment's "settled at") is
    labelled in Persian from core.admin.FIELD_LABELS, not "Event type" or "Settled at"."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    admin = get_user_model().objects.create_superuser("catalogue-admin-2", password="x" * 20)
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/agencies/counteroffice/add/").content.decode()
    assert "منطقه" in page and "Region" not in page and "Address" not in page
