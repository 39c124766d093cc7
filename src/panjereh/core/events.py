"""The catalogue of outbox events: every event type an app may emit, declared by that app (its ``events.py``,
read in its ``AppConfig.ready()``), with what it means. ``audit.emit`` refuses a type nobody declared — a typo,
or a name built from a status value, would otherwise reach the agencies' systems as a new event nobody
subscribes to. ``panjereh events`` prints the catalogue; docs/integrations.md lists it."""

_CATALOGUE: dict[str, tuple[str, str]] = {}  # event type -> (app label, what it means)


class UnknownEvent(ValueError):
    """An event type no app declared."""


def declare(app: str, events: dict[str, str]) -> None:
    """Add ``app``'s event types ({type: meaning}); a type declared by two apps is a programming error."""
    for event_type, meaning in events.items():
        owner = _CATALOGUE.get(event_type, (app, ""))[0]
        if owner != app:
            raise ValueError(f"event type {event_type} is declared by {owner} and {app}")
        _CATALOGUE[event_type] = (app, meaning)


def check(event_type: str) -> None:
    if event_type not in _CATALOGUE:
        raise UnknownEvent(f"event type {event_type!r} is not in the catalogue: declare it in the app's events.py")


def catalogue() -> dict[str, tuple[str, str]]:
    """{type: (app, meaning)}, sorted by type."""
    return dict(sorted(_CATALOGUE.items()))
