"""panjereh smstexts: every text-message template as the applicant will read it, with its length and the
number of SMS parts it takes (70 characters in one Persian part, 67 in each of several) — for whoever edits
the templates in the translation catalogue."""

from django.core.management.base import BaseCommand

from panjereh.sms import templates

# the longest values a real message carries, so the count is the worst case
SAMPLE = {"code": "1405-000123", "city": "اهواز", "url": "https://panjereh.ahvaz.ir/track/?code=1405-000123",
          "agency": "شرکت توزیع نیروی برق", "amount": 1_234_567_890, "number": "1405/000123",
          "service": "انشعاب آب", "subscription": "12345678901", "reason": 12,
          "text": "نقشه با ضوابط طرح تفصیلی منطبق نیست", "minutes": 5,
          # an outage: the network, a registry plate, the incident's number, its start and end
          "plate": "۱۲۳۴۵/۶۷۸", "ref": "۱۲۳۴۵۶", "start": "۱۴۰۵/۰۹/۲۰ ۰۸:۰۰", "end": "۱۴۰۵/۰۹/۲۰ ۱۴:۰۰",
          "from": "مسکونی", "to": "بنایی", "date": "۱۴۰۵/۰۹/۲۰", "outcome": "پذیرفته شد؛ بررسی دوباره باز شد",
          "phase": "پایان کار"}


class Command(BaseCommand):
    help = "Show each text-message template with its length and SMS parts."

    def add_arguments(self, parser):
        parser.add_argument("--language", default="fa")

    def handle(self, *args, language, **options):
        for kind in templates.TEMPLATES:
            text = templates.render(kind, SAMPLE, language)
            self.stdout.write(f"{kind}: {len(text)} characters, {templates.parts(text)} part(s)\n  {text}")
