"""What a spatial answer may show a user, through one registry.

Feasibility, dig checks and incidents describe assets of every agency's layers. Whatever was computed or stored,
what is returned goes through :func:`redact`: an asset of a layer the user may not see is counted, never
described (so a digger or reviewer still learns that something is there). The app that knows an answer's shape
registers its redactor in ``AppConfig.ready()`` (``redactors.register("incident", …)``); the permission module
keeps only the rule (:func:`panjereh.access.layers.visible_layer_ids`), never the shapes. An answer kind nobody
registered is refused, never returned as it is."""

from collections.abc import Callable

Redactor = Callable[[object, dict], dict]
_REDACTORS: dict[str, Redactor] = {}


def register(kind: str, redactor: Redactor) -> None:
    """Make ``redactor(user, answer) -> answer`` the one redaction of answers of ``kind``."""
    if _REDACTORS.get(kind, redactor) is not redactor:
        raise ValueError(f"answers of kind {kind!r} already have a redactor")
    _REDACTORS[kind] = redactor


def redact(kind: str, user, answer: dict) -> dict:
    """``answer`` as ``user`` may read it (a new dict: the stored answer is left as it was)."""
    try:
        redactor = _REDACTORS[kind]
    except KeyError:
        raise LookupError(f"no redactor registered for answers of kind {kind!r}") from None
    return redactor(user, answer)


def kinds() -> list[str]:
    """The answer kinds with a redactor (for the tests that check every public answer passes through one)."""
    return sorted(_REDACTORS)
