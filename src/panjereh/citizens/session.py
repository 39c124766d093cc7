"""The signed-in citizen in the session (no user account: a citizen is their national ID and proven mobile)."""

SESSION_KEY = "citizen"
PENDING_CODE_KEY = "citizen_code"


def current(request) -> dict | None:
    """The citizen signed in on this browser, or None."""
    return request.session.get(SESSION_KEY)


def sign_in(request, citizen) -> None:
    """Remember the citizen (a new session key: a session fixed before sign-in is worth nothing after)."""
    request.session.cycle_key()
    request.session.pop(PENDING_CODE_KEY, None)
    request.session[SESSION_KEY] = citizen.as_session()


def sign_out(request) -> None:
    request.session.flush()


def mask_mobile(mobile: str) -> str:
    """09161234567 → 0916***4567: enough to recognise one's own number, not to learn someone else's."""
    return f"{mobile[:4]}***{mobile[-4:]}" if len(mobile) == 11 else "***"


def mask_national_id(national_id: str) -> str:
    """4608968882 → ******8882."""
    return "*" * (len(national_id) - 4) + national_id[-4:] if len(national_id) > 4 else "***"
