"""Who is served on a parcel: the subscribers an outage must be told of.

The map knows parcels, not files; the single window (``permits``) knows whose connection was installed on
which parcel. So the map keeps only this small registry, and the app that knows the subscribers registers
its answer at start-up (``PermitsConfig.ready``). Crisis asks here, never the permits app: neither of the
two sibling apps imports the other.
"""

from collections.abc import Callable, Iterable

# provider(parcel_ids, agency_code) -> {mobile: parcel id}
_PROVIDERS: list[Callable[[list[int], str], dict[str, int]]] = []


def register(provider: Callable[[list[int], str], dict[str, int]]) -> None:
    """Add a source of subscribers (called once per provider, at start-up)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def mobiles(parcel_ids: Iterable[int], agency_code: str) -> dict[str, int]:
    """{mobile: parcel} of the subscribers of ``agency_code`` on these parcels, one entry per mobile (a person
    with two flats on the cut-off street is told once)."""
    ids = sorted({int(p) for p in parcel_ids})
    found: dict[str, int] = {}
    if not ids:
        return found
    for provider in _PROVIDERS:
        for mobile, parcel in provider(ids, agency_code).items():
            found.setdefault(mobile, parcel)
    return found
