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
