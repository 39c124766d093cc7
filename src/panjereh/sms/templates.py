"""The texts sent to applicants: Persian sentences kept in the translation catalogue (context ``sms``), so a
city edits them where it edits every other word, and their length counted the way operators bill them.

A text with any character outside GSM 7-bit (every Persian text) is sent as UCS-2: 70 characters in one
part, 67 per part when it needs more than one (the rest carries the joining header). ``panjereh smstexts``
prints each template's length and parts for whoever edits them."""

from django.utils import translation
from django.utils.translation import pgettext_lazy

from panjereh.core.text import persian_digits

TEMPLATES = {
    "opened": pgettext_lazy("sms", "Your file %(code)s was opened at %(city)s's single window. Follow it at "
                                   "%(url)s"),
    "info_requested": pgettext_lazy("sms", "%(agency)s asked for information on file %(code)s. Answer at %(url)s"),
    "bill_ready": pgettext_lazy("sms", "The bill of file %(code)s is ready: %(amount)s rials. Pay at %(url)s"),
    "permit_issued": pgettext_lazy("sms", "Permit %(number)s of file %(code)s was issued. Check it at %(url)s"),
    "connection_installed": pgettext_lazy("sms", "%(service)s of file %(code)s is connected; subscription "
                                                 "%(subscription)s."),
    "refused": pgettext_lazy("sms", "File %(code)s was refused by %(agency)s (reason %(reason)s: %(text)s). "
                                    "See %(url)s"),
    "documents_returned": pgettext_lazy("sms", "File %(code)s: the document check asks you to bring or correct "
                                               "documents. See %(url)s"),
    "check_closed": pgettext_lazy("sms", "File %(code)s was closed at the document check (reason %(reason)s: "
                                          "%(text)s). See %(url)s"),
    "check_expired": pgettext_lazy("sms", "File %(code)s was withdrawn: its documents were not checked in time. "
                                          "You may apply again."),
    "outage": pgettext_lazy("sms", "%(service)s of plate %(plate)s is cut by an incident (number %(ref)s); the "
                                   "crews are at work. You will be told when it is back."),
    "outage_restored": pgettext_lazy("sms", "%(service)s of plate %(plate)s is back (incident %(ref)s)."),
    "outage_planned": pgettext_lazy("sms", "%(service)s of plate %(plate)s will be cut for works from %(start)s to "
                                           "%(end)s (number %(ref)s)."),
    "tariff_changed": pgettext_lazy("sms", "The water tariff of the parcel of file %(code)s changes from %(from)s "
                                           "to %(to)s on %(date)s."),
    "appeal_filed": pgettext_lazy("sms", "Your appeal of file %(code)s was filed; the commission decides by "
                                         "%(date)s. See %(url)s"),
    "appeal_decided": pgettext_lazy("sms", "Your appeal of file %(code)s: %(outcome)s. See %(url)s"),
    "complaint_filed": pgettext_lazy("sms", "Your complaint to %(agency)s about file %(code)s was filed; it is "
                                            "answered by %(date)s. See %(url)s"),
    "complaint_answered": pgettext_lazy("sms", "%(agency)s answered your complaint about file %(code)s. See %(url)s"),
    "complaint_escalated": pgettext_lazy("sms", "%(agency)s did not answer your complaint about file %(code)s in "
                                                "time: it went to the independent body. See %(url)s"),
    "phase_nonconforming": pgettext_lazy("sms", "File %(code)s: the supervising engineer found the %(phase)s "
                                                "phase not conforming to the plans. See %(url)s"),
    "inspection_failed": pgettext_lazy("sms", "File %(code)s: the municipality's inspection of the %(phase)s phase "
                                              "found faults. See %(url)s"),
    "code": pgettext_lazy("sms", "Single window code: %(code)s. Valid for %(minutes)s minutes; tell it to no one."),
}

# GSM 03.38's basic character set (and the escape-table characters, which take two septets)
GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = set("^{}\\[~]|€\f")


def parts(text: str) -> int:
    """How many SMS parts ``text`` takes (what the operator bills)."""
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        length = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        single, multi = 160, 153
    else:
        # UCS-2 counts 16-bit units: a character outside the basic plane takes two
        length = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, multi = 70, 67
    return 1 if length <= single else -(-length // multi)


class _SmsValues(dict):
    """Parameters as an SMS shows them: whole numbers in the language's digits with its thousands separator;
    codes, addresses and names as they are (no direction marks: older phones draw them as boxes, and a code
    must stay typeable)."""

    def __getitem__(self, key):
        from django.utils.translation import get_language

        value = super().__getitem__(key)
        if isinstance(value, int) and not isinstance(value, bool):
            text = f"{value:,}"
            return persian_digits(text.replace(",", "٬")) if (get_language() or "fa") == "fa" else text
        return str(value)


def render(kind: str, context: dict, language: str = "fa") -> str:
    """The text of ``kind`` in ``language``."""
    with translation.override(language):
        return str(TEMPLATES[kind]) % _SmsValues(context)
