"""Template helpers: words in the page's language, Jalali dates, Persian digits."""

import re

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language, pgettext_lazy

from panjereh.agencies.models import Service
from panjereh.agencies.officials import signature_of
from panjereh.citymap.vocabulary import LandUse
from panjereh.core.calendar import jalali as to_jalali
from panjereh.core.calendar import jalali_moment
from panjereh.permits.risk import class_word
from panjereh.web.words import word

register = template.Library()
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@register.simple_tag
def t(key):
    """A word of the interface in the active language."""
    return word(key, get_language() or "fa")


DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


@register.filter
def digits(value):
    """Numbers (plates, dates, counts, areas) in Persian digits on Persian pages, with ٫ as the decimal point."""
    text = str(value)
    if (get_language() or "fa") != "fa":
        return text
    return DECIMAL_POINT.sub("٫", text).translate(PERSIAN)


LATIN_LETTER = re.compile(r"[A-Za-z]")


@register.filter
def code(value):
    """A code (permit number, tracking code, plate) isolated left-to-right, so that Persian text around it
    cannot reorder its parts: ۱۴۰۵-۰۰۰۰۰۱ stays ۱۴۰۵-۰۰۰۰۰۱, not ۰۰۰۰۰۱-۱۴۰۵. A code with Latin letters (a
    tracking code, a meter's class) stays in one script, the characters a person types and the SMS shows:
    "A2M8SD4AZU", never "A۲M۸SD۴AZU"."""
    text = str(value)
    return format_html('<bdi dir="ltr">{}</bdi>', text if LATIN_LETTER.search(text) else digits(text))


@register.filter
def risk(value):
    """A building's risk class (A–D) as the building regulations write it in the page's language (الف to د)."""
    return class_word(str(value))


UNIT_WORDS = {"m²": pgettext_lazy("square_metres", "m²"), "m": pgettext_lazy("metres", "m")}


@register.filter
def measure(value, unit=""):
    """A measured value with its unit in the page's language: 334.5 m² → ۳۳۴٫۵ متر مربع, 60 % → ۶۰٪."""
    number = digits(value)
    if unit == "%":
        return f"{number}٪" if (get_language() or "fa") == "fa" else f"{number}%"
    word = UNIT_WORDS.get(unit)
    return f"{number} {word}" if word else number


@register.filter
def land_use(value):
    """A land use's code as its name in the page's language."""
    return LandUse(value).label if value in LandUse.values else value


@register.filter
def money(value):
    """An amount in rials with thousands separators (٬ on Persian pages)."""
    text = f"{int(value):,}"
    return text.replace(",", "٬").translate(PERSIAN) if (get_language() or "fa") == "fa" else text


@register.filter
def jalali(value):
    """A date in the Jalali calendar (Persian pages) or ISO (English pages)."""
    if not value:
        return ""
    if (get_language() or "fa") == "en":
        return value.date().isoformat() if hasattr(value, "date") else value.isoformat()
    return to_jalali(value).translate(PERSIAN)


@register.filter
def moment(value):
    """A moment with its hour: Jalali date and Tehran time (Persian pages) or ISO date and time (English)."""
    if not value:
        return ""
    if (get_language() or "fa") == "en":
        from panjereh.core.calendar import TEHRAN

        return value.astimezone(TEHRAN).strftime("%Y-%m-%d %H:%M")
    return jalali_moment(value).translate(PERSIAN)


@register.filter
def local(obj, field):
    """A model's text in the page's language: ``{{ agency|local:"name" }}`` is name_en on English pages,
    name_fa otherwise (falling back to Persian where there is no English)."""
    if obj is None:
        return ""
    english = getattr(obj, f"{field}_en", "") if (get_language() or "fa") == "en" else ""
    return english or getattr(obj, f"{field}_fa", "")


@register.filter
def pick(texts):
    """From a {"fa": …, "en": …} message (feasibility problems, planning problems), the page's language."""
    if not isinstance(texts, dict):
        return texts
    if (get_language() or "fa") == "en":
        return texts.get("en") or texts.get("fa", "")
    return texts.get("fa", "")



@register.filter
def percent(value):
    """A share (0–1) as a percentage with one decimal: ۶۶٫۷٪ on Persian pages, 66.7% on English ones."""
    if value is None:
        return "—"
    text = f"{100 * float(value):.1f}"
    if (get_language() or "fa") == "fa":
        return DECIMAL_POINT.sub("٫", text).translate(PERSIAN) + "٪"
    return text + "%"


JALALI_MONTHS = [
    pgettext_lazy("month", "Farvardin"),
    pgettext_lazy("month", "Ordibehesht"),
    pgettext_lazy("month", "Khordad"),
    pgettext_lazy("month", "Tir"),
    pgettext_lazy("month", "Mordad"),
    pgettext_lazy("month", "Shahrivar"),
    pgettext_lazy("month", "Mehr"),
    pgettext_lazy("month", "Aban"),
    pgettext_lazy("month", "Azar"),
    pgettext_lazy("month", "Dey"),
    pgettext_lazy("month", "Bahman"),
    pgettext_lazy("month", "Esfand"),
]


@register.filter
def jmonth(value):
    """A Jalali month key (1405-07) as people say it: «مهر ۱۴۰۵», "Mehr 1405"."""
    year, month = str(value).split("-")
    return f"{JALALI_MONTHS[int(month) - 1]} {digits(year)}"


@register.filter
def get(mapping, key):
    """``{{ agencies|get:code }}``: a dictionary's value in a template."""
    return mapping.get(key) if mapping else None


@register.filter
def split(text):
    """``{% for p in "a b c"|split %}``: the words of a string."""
    return str(text).split()


@register.filter
def person(user, short=""):
    """A member of staff as pages name them: their name (and title, unless ``short``) from the staff profile,
    never a username when a name is known."""
    signed = signature_of(user, get_language() or "fa")
    if not signed:
        return ""
    return f"{signed['name']}، {signed['title']}" if signed["title"] and not short else signed["name"]


@register.filter
def stage_service(stage):
    """The service a later bill's stage ("activation:gas") is for, by its name in the page's language; a
    page never shows the stage's code."""
    code = str(stage).partition(":")[2]
    service = Service.objects.filter(code=code).first() if code else None
    return local(service, "name") if service else ""


@register.filter
def allows(application, action: str) -> bool:
    """``{% if app|allows:"resubmit" %}``: the file's status allows the action (permits/transitions.py), the same
    question the services ask before they act."""
    return application.allows(action)
