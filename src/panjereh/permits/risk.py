"""A building's risk class and what it decides: which licence grades may supervise or inspect it, and which of
its phases the municipality inspects itself (B-READY: inspections by phase and by risk).

The classes are the national building regulations' groups (مبحث دوم مقررات ملی ساختمان), by floors and by
gross floor area, the higher of the two:

    A (الف)  up to 2 floors and up to 600 m²
    B (ب)    up to 5 floors and up to 2,000 m²
    C (ج)    up to 12 floors and up to 5,000 m²
    D (د)    more than 12 floors or more than 5,000 m²

and one class higher for a building people gather in or work in (anything but housing): a school or a clinic
of three floors is inspected as a block of flats of six.

Which phases the municipality inspects is drawn, not chosen: each (file, phase) gets a number in [0, 1) from an
HMAC of the file's tracking code and the phase under the deployment's secret key — the same every time it is
asked (an auditor with the key can recompute every draw), unknowable to the builder in advance (they cannot
time their shortcuts to the phases not drawn). A phase is inspected when its number is below the class's
share (``PANJEREH_INSPECTION_SAMPLING``); the completion phase always is."""

import hashlib
import hmac

from django.conf import settings
from django.utils.translation import pgettext_lazy

from panjereh.citymap.vocabulary import LandUse

CLASSES = ("A", "B", "C", "D")
# (highest floors, highest gross floor area in m²) of each class but the last
LIMITS = {"A": (2, 600), "B": (5, 2000), "C": (12, 5000)}
CLASS_WORDS = {"A": pgettext_lazy("risk class", "A"), "B": pgettext_lazy("risk class", "B"),
               "C": pgettext_lazy("risk class", "C"), "D": pgettext_lazy("risk class", "D")}
PHASES = ("foundation", "frame", "roof", "completion")
FINAL_PHASE = PHASES[-1]
HOUSING = {LandUse.RESIDENTIAL}


def risk_class(*, floors: int, gross_floor_area: float, land_use: str) -> str:
    """The building's class, A to D (above)."""
    by_size = next((c for c, (most_floors, most_area) in LIMITS.items()
                    if floors <= most_floors and gross_floor_area <= most_area), "D")
    index = CLASSES.index(by_size)
    if land_use not in HOUSING:
        index = min(index + 1, len(CLASSES) - 1)
    return CLASSES[index]


def class_word(klass: str) -> str:
    """The class as the building regulations' Persian text names it (الف, ب, ج, د)."""
    return str(CLASS_WORDS.get(klass, klass))


def of_file(application) -> str:
    return risk_class(floors=application.floors, gross_floor_area=application.gross_floor_area,
                      land_use=application.land_use)


def grade_admits(grade: str, klass: str) -> bool:
    """Whether an engineer of licence ``grade`` may supervise or inspect a building of class ``klass``."""
    highest = settings.PANJEREH_GRADE_HIGHEST_CLASS.get(grade)
    return highest is not None and CLASSES.index(klass) <= CLASSES.index(highest)


def draw(tracking_code: str, phase: str) -> float:
    """The (file, phase)'s number in [0, 1): the same every time, unknowable without the secret key."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"inspection:{tracking_code}:{phase}".encode(),
                      hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def sampling_rate(klass: str) -> float:
    return float(settings.PANJEREH_INSPECTION_SAMPLING.get(klass, 0))


def inspected(application, phase: str) -> bool:
    """Whether the municipality inspects this phase of this file itself."""
    if phase == FINAL_PHASE:
        return True
    return draw(application.tracking_code, phase) < sampling_rate(of_file(application))


def next_phase(done: list[str]) -> str | None:
    """The first phase not yet cleared, in order (None: every phase is)."""
    return next((p for p in PHASES if p not in done), None)
