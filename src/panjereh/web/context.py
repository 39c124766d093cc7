"""What every page's header shows: only the places the signed-in user's role can use."""

from panjereh import access


def menu(request):
    """Template context ``menu``: (address, word key) of each place this user may go."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        if access.can_submit(user):
            items.append(("/counter/", "counter"))
        profile = access.staff_profile(user)
        if profile is not None and profile.agency_id:
            items.append(("/inbox/", "inbox"))
        if access.connection_agency_ids(user) != set():
            items.append(("/connections/", "connections"))
        if access.ledger_agency_ids(user) != set():
            items.append(("/finance/", "finance"))
        if access.can_certify_completion(user) and not user.is_superuser:
            items.append(("/signing/", "to_sign"))
        if access.can_decide_appeals(user) and not user.is_superuser:
            items.append(("/appeals/", "appeals"))
        if access.can_inspect_buildings(user) and not user.is_superuser:
            items.append(("/inspections/", "building_inspections"))
        if access.complaints_for(user).exists() or (profile is not None and profile.role == "reviewer"):
            items.append(("/complaints/", "complaints"))
        if access.role(user) == "admin":
            items.append(("/signin-locks/", "signin_locks"))
        if access.can_view_works(user):
            items.append(("/works/", "works"))
        if access.can_report_incident(user):
            items.append(("/crisis/", "crisis_room"))
        if access.can_view_findings(user):
            items.append(("/findings/", "findings_desk"))
    else:
        # a citizen applies and follows their own files from home (signed in with a one-time code)
        signed_in = bool(getattr(request, "session", None) and request.session.get("citizen"))
        items.append(("/citizen/files/" if signed_in else "/citizen/", "my_files" if signed_in else "citizen"))
    items += [("/map/", "map"), ("/track/", "track"), ("/indicators/", "indicators")]
    return {"menu": items}
