"""Street works' outbox events (the catalogue: :mod:`panjereh.core.events`)."""

EVENTS = {
    "works.registered": "an agency registered works (or a forward plan) on the map",
    "works.conflict": "two agencies' works meet on a street in overlapping time: dig once",
    "works.shared_trench": "agencies' works proposed as one trench",
    "works.resurfacing_planned": "the municipality announced a resurfacing: dig before it",
    "works.moratorium": "a street is under an excavation moratorium",
    "works.permit_applied": "an excavation permit was applied for",
    "works.permit_granted": "the municipality granted an excavation permit (conditions)",
    "works.permit_refused": "the municipality refused an excavation permit (a numbered reason)",
    "works.permit_deemed_granted": "an excavation permit was deemed granted by the municipality's silence",
    "works.in_progress": "works started",
    "works.completed": "works completed",
    "works.interim_reinstatement": "the trench was reinstated for now",
    "works.permanent_reinstatement": "the trench was reinstated for good; the guarantee runs",
    "works.guarantee_ended": "the reinstatement's guarantee ended",
    "works.inspection_failed": "an inspection of works failed (defects, photos)",
    "works.recovery_charged": "Article 103: the municipality restored an unrestored trench at the agency's cost",
}
