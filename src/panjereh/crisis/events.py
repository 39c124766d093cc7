"""Crisis response's outbox events (the catalogue: :mod:`panjereh.core.events`)."""

EVENTS = {
    "incident.reported": "an incident (or a planned interruption): the valves to close, the assets around",
    "incident.closed": "supply came back after an incident",
    "consistency.findings": "a consistency run found problems with the agency's layers",
}
