"""The SMS provider, behind one adapter.

Iranian SMS providers expose a simple HTTP API: the account's key, the sender line, the receptor's mobile, the
text, and a *local id* of the sender's own — a second request with a local id already used is not sent again
but answered with the first one's result. Panjereh gives every message its own id (``SmsMessage.message_id``)
as that local id, so a retry after a lost answer never reaches the person twice.

:class:`HttpProvider` speaks that protocol as JSON over HTTP(S), configured by ``PANJEREH_SMS_URL``,
``PANJEREH_SMS_KEY`` and ``PANJEREH_SMS_SENDER``; a provider whose field names differ gets a small subclass.
The demo and the tests use the fake provider (``python -m panjereh.sms.fakesms``) through this same adapter.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings


class ProviderError(Exception):
    """The provider could not be reached or did not accept the message now (try again later)."""


class ProviderRefused(ProviderError):
    """The provider refused this message for good (a wrong number): retrying will not help."""


class NotConfigured(ProviderError):
    """No SMS provider is configured: messages wait in the outbox until one is."""


class Provider:
    """What Panjereh asks of an SMS provider."""

    def send(self, *, message_id: str, mobile: str, text: str) -> str:
        """Send one text; returns the provider's reference. Raises :class:`ProviderError`."""
        raise NotImplementedError


class HttpProvider(Provider):
    """A JSON-over-HTTP provider: ``POST {url}/send`` with ``{sender, receptor, message, localid}`` and the key
    as a bearer token; answers ``{"messageid": …}``; 4xx but 408/429 is a refusal, the rest a failure."""

    def __init__(self, url: str, key: str, sender: str, timeout: float = 10.0):
        self.url, self.key, self.sender, self.timeout = url.rstrip("/"), key, sender, timeout

    def send(self, *, message_id: str, mobile: str, text: str) -> str:
        body = json.dumps({"sender": self.sender, "receptor": mobile, "message": text, "localid": message_id},
                          ensure_ascii=False).encode()
        request = urllib.request.Request(f"{self.url}/send", data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.key}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise ProviderRefused(f"HTTP {exc.code}") from None
            raise ProviderError(f"HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError):
            raise ProviderError("could not reach the SMS provider") from None
        except ValueError:
            raise ProviderError("the SMS provider's answer is not JSON") from None
        reference = str(answer.get("messageid") or "")
        if not reference:
            raise ProviderError("the SMS provider did not say it took the message")
        return reference[:64]


def provider() -> Provider:
    """The configured provider; :class:`NotConfigured` when there is none."""
    if not settings.PANJEREH_SMS_URL:
        raise NotConfigured("no SMS provider is configured (PANJEREH_SMS_URL)")
    return HttpProvider(settings.PANJEREH_SMS_URL, settings.PANJEREH_SMS_KEY, settings.PANJEREH_SMS_SENDER,
                        settings.PANJEREH_SMS_TIMEOUT_SECONDS)
