"""What every page's header shows: only the places the signed-in user's role can use."""

from panjereh.core import permissions


def menu(request):
    """Template context ``menu``: (address, word key) of each place this user may go."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        if permissions.can_submit(user):
            items.append(("/counter/", "counter"))
        profile = permissions.staff_profile(user)
        if profile is not None and profile.agency_id:
            items.append(("/inbox/", "inbox"))
        if permissions.connection_agency_ids(user) != set():
            items.append(("/connections/", "connections"))
        if permissions.ledger_agency_ids(user) != set():
            items.append(("/finance/", "finance"))
        if permissions.can_certify_completion(user) and not user.is_superuser:
            items.append(("/signing/", "to_sign"))
        if permissions.role(user) == "admin":
            items.append(("/signin-locks/", "signin_locks"))
        if permissions.can_view_works(user):
            items.append(("/works/", "works"))
        if permissions.can_report_incident(user):
            items.append(("/crisis/", "crisis_room"))
        if permissions.can_view_findings(user):
            items.append(("/findings/", "findings_desk"))
    else:
        # a citizen applies and follows their own files from home (signed in with a one-time code)
        signed_in = bool(getattr(request, "session", None) and request.session.get("citizen"))
        items.append(("/citizen/files/" if signed_in else "/citizen/", "my_files" if signed_in else "citizen"))
    items += [("/map/", "map"), ("/track/", "track"), ("/indicators/", "indicators")]
    return {"menu": items}
