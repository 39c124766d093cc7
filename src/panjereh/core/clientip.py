"""The client's address, one rule for every limit (API throttles, sign-in lockouts, page throttles).

``X-Forwarded-For`` is trusted only as far as the deployment says: PANJEREH_TRUSTED_PROXIES is the number
of proxies of our own in front of Panjereh, each appending the address it received the request from, so
the client is that many entries from the right. With none (the default) the header is ignored: anybody
can write it, and trusting it would let one client look like a thousand.
"""

from django.conf import settings


def client_ip(request) -> str:
    """The address to count a request against."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.PANJEREH_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    return hops[-min(proxies, len(hops))] if hops else remote
