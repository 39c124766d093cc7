"""An address from its 10-digit postal code, behind one adapter.

The national post's address inquiry (استعلام کد پستی, offered to organisations by the post company and its
resellers) answers, for a postal code, the address written the post's way. :class:`HttpAddressInquiry` asks it
as JSON over HTTP(S), configured by ``PANJEREH_ADDRESS_URL`` and ``PANJEREH_ADDRESS_KEY``; a reseller whose
fields differ gets a small subclass. The demo and the tests use the fake service
(``python -m panjereh.citizens.fakeaddress``) through this same adapter.

The counter never waits on it: a service down or slow leaves the address to be typed, kept as *unchecked*."""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.cache import cache

from panjereh.core.identifiers import InvalidIdentifier, validate_postal_code


class AddressUnavailable(Exception):
    """The inquiry could not answer now (down, slow, an error): the address is not known."""


class AddressUnknown(Exception):
    """The post has no address for this postal code."""


class HttpAddressInquiry:
    """``POST {url}/address`` with ``{postal_code}`` and the key as a bearer token; answers
    ``{"found": true, "address": "…", "province": "…", "city": "…"}`` or ``{"found": false}``."""

    def __init__(self, url: str, key: str, timeout: float = 3.0):
        self.url, self.key, self.timeout = url.rstrip("/"), key, timeout

    def address(self, postal_code: str) -> dict:
        body = json.dumps({"postal_code": postal_code}).encode()
        request = urllib.request.Request(f"{self.url}/address", data=body, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.key}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read(64 * 1024) or b"{}")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError):
            raise AddressUnavailable("the address inquiry did not answer") from None
        if answer.get("found") is False:
            raise AddressUnknown(postal_code)
        if not isinstance(answer.get("address"), str) or not answer["address"].strip():
            raise AddressUnavailable("the address inquiry's answer has no address")
        return {"address": answer["address"].strip()[:300], "province": str(answer.get("province", ""))[:60],
                "city": str(answer.get("city", ""))[:60]}


def inquiry() -> HttpAddressInquiry | None:
    if not getattr(settings, "PANJEREH_ADDRESS_URL", ""):
        return None
    return HttpAddressInquiry(settings.PANJEREH_ADDRESS_URL, settings.PANJEREH_ADDRESS_KEY,
                              float(getattr(settings, "PANJEREH_ADDRESS_TIMEOUT_SECONDS", 3.0)))


def lookup(postal_code: str) -> dict:
    """{"state": "found", "address"…} | {"state": "unknown"} | {"state": "unavailable"} | {"state": "off"} |
    {"state": "invalid"}: what the counter shows beside the address. A found address is cached for a day."""
    try:
        code = validate_postal_code(postal_code)
    except InvalidIdentifier:
        return {"state": "invalid"}
    service = inquiry()
    if service is None:
        return {"state": "off"}
    key = f"panjereh:address:{code}"
    cached = cache.get(key)
    if cached:
        return cached
    try:
        found = {"state": "found", "postal_code": code, **service.address(code)}
    except AddressUnknown:
        return {"state": "unknown"}
    except AddressUnavailable:
        return {"state": "unavailable"}
    cache.set(key, found, 24 * 3600)
    return found
