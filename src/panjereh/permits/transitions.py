"""The single window's status transition table: what a file's status allows, and where each action leads.

The services check it before they change a file (``application.allows("resubmit")``), and the pages ask the same
question to show a form or not, so no list of statuses is repeated in a view or decided in a template. The
statuses themselves are ``Application.Status``; they are written here as their stored values, so that the model
can ask this table without an import cycle.

What an action's ``to`` says is where it leads when it happens; the decisions of the agencies move a file on
through ``services._advance`` (a refusal to ``rejected``, the last approval to ``awaiting_payment``, the payment
to ``issued``), and those moves are in the table too so that the graph of a file's life is here in one piece."""

AWAITING_CHECK = "awaiting_check"
UNDER_REVIEW = "under_review"
AWAITING_PAYMENT = "awaiting_payment"
REJECTED = "rejected"
ISSUED = "issued"
COMPLETED = "completed"
WITHDRAWN = "withdrawn"

STATUSES = (AWAITING_CHECK, UNDER_REVIEW, AWAITING_PAYMENT, REJECTED, ISSUED, COMPLETED, WITHDRAWN)
# a parcel holds one open file per permit type; these no longer count as open, and nothing is added to them
CLOSED = frozenset({REJECTED, COMPLETED, WITHDRAWN})
OPEN = frozenset(STATUSES) - CLOSED

# action: (the statuses that allow it, the status it leads to — None where the file stays where it is)
TABLE: dict[str, tuple[frozenset, str | None]] = {
    # the document check of a file sent from home
    "accept_documents": (frozenset({AWAITING_CHECK}), UNDER_REVIEW),
    "return_for_documents": (frozenset({AWAITING_CHECK}), None),
    "refuse_unchecked": (frozenset({AWAITING_CHECK}), REJECTED),
    "withdraw_unchecked": (frozenset({AWAITING_CHECK}), WITHDRAWN),
    "expire_unchecked": (frozenset({AWAITING_CHECK}), WITHDRAWN),
    # the review (by _advance after each decision)
    "refuse": (frozenset({UNDER_REVIEW}), REJECTED),
    "bill": (frozenset({UNDER_REVIEW}), AWAITING_PAYMENT),
    "issue": (frozenset({AWAITING_PAYMENT}), ISSUED),
    # the applicant's
    "resubmit": (frozenset({REJECTED}), UNDER_REVIEW),
    "appeal": (frozenset({REJECTED}), None),  # the refusal appealed: the file stays refused until it is decided
    "add_document": (OPEN, None),
    "waive_document": (OPEN, None),
    # after the permit
    "activate_service": (frozenset({ISSUED, COMPLETED}), None),
    "certify_completion": (frozenset({ISSUED}), COMPLETED),
    "record_connections": (frozenset({ISSUED}), None),
}


def allows(status: str, action: str) -> bool:
    """Whether a file in ``status`` allows ``action`` (an unknown action is a programming error: KeyError)."""
    return status in TABLE[action][0]


def leads_to(action: str) -> str | None:
    """The status ``action`` leads to (None: the file stays where it is)."""
    return TABLE[action][1]


def statuses_allowing(action: str) -> list[str]:
    """The statuses in which ``action`` is allowed, for a query (``status__in=``)."""
    return sorted(TABLE[action][0])
