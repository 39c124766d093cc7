"""Whether a mobile number belongs to a national ID, behind one adapter.

Iran's mobile-ownership inquiry (استعلام شاهکار) answers exactly that question for an operator's subscriber
records: given a national ID and a mobile, "matches" or "does not match". :class:`HttpIdentityChecker` asks it
as JSON over HTTP(S), configured by ``PANJEREH_IDENTITY_URL`` and ``PANJEREH_IDENTITY_KEY``; a service whose
field names differ gets a small subclass. The demo and the tests use the fake service
(``python -m panjereh.citizens.fakeidentity``) through this same adapter.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings


class IdentityUnavailable(Exception):
    """The inquiry service could not answer now (down, slow, an error): the answer is not known."""


class IdentityChecker:
    def matches(self, *, national_id: str, mobile: str) -> bool:
        """True when ``mobile`` is registered to ``national_id``; raises :class:`IdentityUnavailable`."""
        raise NotImplementedError


class HttpIdentityChecker(IdentityChecker):
    """``POST {url}/inquiry`` with ``{national_id, mobile}`` and the key as a bearer token; answers
    ``{"match": true|false}``."""

    def __init__(self, url: str, key: str, timeout: float = 5.0):
        self.url, self.key, self.timeout = url.rstrip("/"), key, timeout

    def matches(self, *, national_id: str, mobile: str) -> bool:
        body = json.dumps({"national_id": national_id, "mobile": mobile}).encode()
        request = urllib.request.Request(f"{self.url}/inquiry", data=body, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.key}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError):
            raise IdentityUnavailable("the identity inquiry did not answer") from None
        if not isinstance(answer.get("match"), bool):
            raise IdentityUnavailable("the identity inquiry's answer has no match")
        return answer["match"]


def checker() -> IdentityChecker | None:
    """The configured checker, or None when no inquiry service is configured (identities stay unchecked)."""
    if not settings.PANJEREH_IDENTITY_URL:
        return None
    return HttpIdentityChecker(settings.PANJEREH_IDENTITY_URL, settings.PANJEREH_IDENTITY_KEY,
                               settings.PANJEREH_IDENTITY_TIMEOUT_SECONDS)
