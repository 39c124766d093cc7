"""The shared map's outbox events (the catalogue: :mod:`panjereh.core.events`)."""

EVENTS = {
    "layer.version_published": "a new version of a layer was published",
    "layer.rolled_back": "a layer was rolled back to an earlier version",
}
