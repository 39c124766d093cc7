"""The cities' outbox events (the catalogue: :mod:`panjereh.core.events`)."""

EVENTS = {
    "city.added": "a city was added to the deployment (the provincial agencies' systems learn its code)",
}
