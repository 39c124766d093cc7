"""The one permission module: pages, the REST API and the OGC API all ask here.

A layer hidden here is hidden everywhere, because no other module decides it.
"""

from django.db.models import Q, QuerySet


def staff_profile(user):
    """The user's StaffProfile, or None for anonymous users and users without one."""
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "staff", None)


def user_agency_id(user):
    """The id of the agency the user acts for, or None."""
    profile = staff_profile(user)
    return profile.agency_id if profile else None


def is_coordinator(user) -> bool:
    """Coordinators, administrators and superusers read everything."""
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile(user)
    return bool(profile and profile.role in {"coordinator", "admin"})


def visible_layers(user, layers: QuerySet | None = None) -> QuerySet:
    """The layers ``user`` may read.

    Public layers: anyone. Staff layers: any signed-in staff member. Agency layers:
    that agency's staff, and coordinators.
    """
    from panjereh.citymap.models import Layer

    layers = Layer.objects.all() if layers is None else layers
    if is_coordinator(user):
        return layers
    profile = staff_profile(user)
    if profile is None:
        return layers.filter(visibility="public")
    return layers.filter(Q(visibility__in=["public", "staff"]) | Q(agency_id=profile.agency_id))


def _layer_access(user) -> tuple[frozenset, int | None]:
    """(ids of the layers ``user`` may read, id of the parcels layer or None), read once per user object.

    Kept on the user object, as Django's ModelBackend keeps its permissions (``_perm_cache``): the object
    lives for one request, and a feasibility answer asked three questions of the same two queries."""
    cached = getattr(user, "_panjereh_layer_access", None)
    if cached is None:
        from panjereh.citymap.models import Layer

        visible = list(visible_layers(user).order_by("pk").values_list("pk", "kind"))
        parcels = next((pk for pk, kind in visible if kind == "parcels"), None)
        if parcels is None:  # hidden from this user, or not made yet: only then is it looked for
            parcels = Layer.objects.filter(kind="parcels").values_list("pk", flat=True).first()
        cached = (frozenset(pk for pk, _ in visible), parcels)
        try:
            user._panjereh_layer_access = cached
        except AttributeError:  # an object that takes no attributes: computed again next time
            pass
    return cached


def can_view_layer(user, layer) -> bool:
    """Whether ``user`` may read ``layer`` (same rule as :func:`visible_layers`)."""
    return layer.pk in _layer_access(user)[0]


def can_change_layer(user, layer) -> bool:
    """Only the owning agency's GIS staff (and superusers) may import into or roll back a layer."""
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile(user)
    return bool(profile and profile.role == "gis" and profile.agency_id == layer.agency_id)


def can_create_layer(user, agency) -> bool:
    """An agency's GIS staff create its layers; administrators any agency's."""
    if role(user) == "admin":
        return True
    profile = staff_profile(user)
    return bool(profile and profile.role == "gis" and agency is not None and profile.agency_id == agency.pk)


def can_view_parcels(user) -> bool:
    """Parcel details (plates, postal codes) are for staff, not for anonymous visitors."""
    visible, parcels = _layer_access(user)
    if parcels is not None:
        return parcels in visible
    profile = staff_profile(user)
    return bool(profile and profile.agency_id) or is_coordinator(user)


# --- the single window ---------------------------------------------------------------------------

def role(user) -> str | None:
    """The user's role (operator, reviewer, gis, signer, coordinator, admin), or None."""
    if getattr(user, "is_superuser", False):
        return "admin"
    profile = staff_profile(user)
    return profile.role if profile else None


def visible_applications(user, applications: QuerySet | None = None) -> QuerySet:
    """The files ``user`` may read: coordinators all; operators their office's; agency staff those their
    agency has a task in; nobody else any."""
    from panjereh.permits.models import Application

    applications = Application.objects.all() if applications is None else applications
    if is_coordinator(user):
        return applications
    profile = staff_profile(user)
    if profile is None:
        return applications.none()
    # files sent from home wait for a document check at the municipality or any counter office: those who
    # check them read them while they wait (afterwards, as any other file)
    waiting = Q(status="awaiting_check", office__isnull=True)
    if profile.role == "operator":
        return applications.filter(Q(office_id=profile.office_id) | waiting)
    if profile.agency_id:
        if can_check_documents(user):
            return applications.filter(Q(tasks__agency_id=profile.agency_id) | waiting).distinct()
        return applications.filter(tasks__agency_id=profile.agency_id).distinct()
    return applications.none()


def can_check_documents(user) -> bool:
    """Who checks the documents of a file sent from home: counter operators, the municipality's reviewers
    and signer, administrators."""
    if role(user) == "admin":
        return True
    profile = staff_profile(user)
    return bool(profile and (profile.role == "operator" or (
        profile.agency and profile.agency.code == "municipality" and profile.role in {"reviewer", "signer"})))


def submitting_office(user):
    """The counter office a user submits applications for; None if they may not submit."""
    profile = staff_profile(user)
    if profile and profile.role == "operator":
        return profile.office
    return None


def can_submit(user) -> bool:
    return submitting_office(user) is not None or role(user) == "admin"


def can_decide(user, agency_code: str) -> bool:
    """An agency's reviewers decide its tasks; for the municipality its signer may too."""
    profile = staff_profile(user)
    if profile is None or profile.agency is None or profile.agency.code != agency_code:
        return False
    return profile.role == "reviewer" or (profile.role == "signer" and agency_code == "municipality")


def can_take_payment(user, application) -> bool:
    """Payments are taken at the counter office that holds the file (or by an administrator)."""
    profile = staff_profile(user)
    if role(user) == "admin":
        return True
    return bool(profile and profile.role == "operator" and profile.office_id == application.office_id)


def can_answer_for_applicant(user, application) -> bool:
    """The applicant's answers to an agency's question are recorded at the office that holds the file."""
    return can_take_payment(user, application)


def can_add_document(user, application) -> bool:
    """Who adds a document to a file on its page: the counter office that holds it (or any counter or the
    municipality while a file from home waits for its check), and the staff of an agency reviewing it."""
    if can_take_payment(user, application):
        return True
    if application.status == "awaiting_check" and can_check_documents(user):
        return True
    profile = staff_profile(user)
    return bool(profile and profile.agency_id and profile.role in {"reviewer", "signer"}
                and application.tasks.filter(agency_id=profile.agency_id).exists())


def document_source(user) -> str:
    """How a file's document added by ``user`` is recorded: by an agency (its staff, other than the
    municipality's, which keeps the counter's file) or at the counter."""
    profile = staff_profile(user)
    agency = profile.agency if profile else None
    return "agency" if agency and agency.code != "municipality" and profile.role in {"reviewer", "gis", "signer"} \
        else "counter"


def can_waive_document(user) -> bool:
    """The municipality's signing official (or an administrator) lets a file go without a required document."""
    return can_certify_completion(user)


def can_activate_service(user, application) -> bool:
    return can_take_payment(user, application)


def connection_agency_ids(user) -> set[int] | None:
    """Whose connection orders ``user`` may see: None for all (coordinators), else a set of agency ids."""
    if is_coordinator(user):
        return None
    profile = staff_profile(user)
    if profile and profile.agency_id and profile.role in {"reviewer", "gis", "signer"}:
        return {profile.agency_id}
    return set()


def can_record_connection(user, agency_code: str) -> bool:
    """An agency's own staff record its connections installed."""
    profile = staff_profile(user)
    return bool(profile and profile.agency and profile.agency.code == agency_code
                and profile.role in {"reviewer", "gis"})


def ledger_agency_ids(user) -> set[int] | None:
    """Whose ledger ``user`` may read: None for every agency (coordinators, and the municipality, which
    reconciles the one bill for everyone), else their own agency's."""
    if is_coordinator(user):
        return None
    profile = staff_profile(user)
    if profile is None or profile.agency is None or profile.role not in {"reviewer", "signer"}:
        return set()
    if profile.agency.code == "municipality":
        return None
    return {profile.agency_id}


def can_certify_completion(user) -> bool:
    """The municipality's signing official issues completion certificates."""
    profile = staff_profile(user)
    return role(user) == "admin" or bool(profile and profile.role == "signer" and profile.agency
                                         and profile.agency.code == "municipality")


# --- crisis and consistency ----------------------------------------------------------------------

def can_report_incident(user) -> bool:
    """Agency staff, coordinators and the crisis staff (coordinators) record and read incidents."""
    profile = staff_profile(user)
    return is_coordinator(user) or bool(profile and profile.agency_id and profile.role in {"reviewer", "gis"})


def visible_findings(user, findings: QuerySet) -> QuerySet:
    """Each agency sees the findings about its own assets; coordinators see all."""
    if is_coordinator(user):
        return findings
    agency = user_agency_id(user)
    if agency is None:
        return findings.none()
    return findings.filter(Q(agency_id=agency) | Q(other_agency_id=agency))


def can_view_findings(user) -> bool:
    """Agency staff see their agency's consistency findings; coordinators the city's."""
    return is_coordinator(user) or user_agency_id(user) is not None


def can_act_on_finding(user, finding) -> bool:
    """An agency's reviewers and GIS staff acknowledge, fix or dismiss the findings about its own assets (the
    agency named first, or the other agency of a clearance finding); coordinators any. Others read at most."""
    if is_coordinator(user):
        return True
    profile = staff_profile(user)
    if profile is None or profile.agency_id is None or profile.role not in {"reviewer", "gis"}:
        return False
    return profile.agency_id in (finding.agency_id, finding.other_agency_id)


# --- what a spatial answer may show ----------------------------------------------------------------
# Feasibility, dig checks and incidents describe assets of every agency's layers. Whatever was computed or
# stored, what is returned goes through these: an asset of a layer the user may not see is counted, never
# described (the same rule as the dig check, so a digger or reviewer still learns that something is there).

def visible_layer_ids(user) -> set[int]:
    """Ids of the layers ``user`` may read."""
    return set(_layer_access(user)[0])


def _layers_of_features(feature_ids) -> dict[int, int]:
    """{feature id: its layer id}, read from the database whatever the answer says (the boundary itself).

    A plain statement: asked once per feasibility answer, the ORM's building of it cost twice its running."""
    from django.db import connection

    from panjereh.citymap.models import Feature

    ids = sorted({int(i) for i in feature_ids if i is not None})
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, layer_id FROM {Feature._meta.db_table} WHERE id IN ({', '.join(['%s'] * len(ids))})",
                       ids)
        return dict(cursor.fetchall())


def redact_feasibility(user, data: dict) -> dict:
    """A feasibility answer with the nearest assets of hidden layers removed (counted in ``hidden_count``).

    The verdict (feasible, distance, problems) stays: the counter must know whether a service can be
    given, not which cable gives it. ``data`` is left as it was (an application keeps its answer)."""
    # Only the service entries are changed (an asset replaced by None, a count added): they are copied, what they
    # hold is shared. A deep copy of the whole answer was a third of the redaction's time.
    out = {**(data or {})}
    out["services"] = [dict(entry) for entry in out.get("services", [])]
    assets = [e.get(k) for e in out.get("services", []) for k in ("nearest", "transformer") if e.get(k)]
    layers = _layers_of_features(a.get("id") for a in assets)
    visible = visible_layer_ids(user)
    for entry in out.get("services", []):
        entry["hidden_count"] = 0
        for key in ("nearest", "transformer"):
            asset = entry.get(key)
            if asset and layers.get(asset.get("id")) not in visible:
                entry[key] = None
                entry["hidden_count"] += 1
    return out


def redact_asset_groups(user, around: dict) -> dict:
    """A dig-check style answer ({agencies: [{assets, hidden_count}]}) with hidden layers' assets counted."""
    import copy

    out = copy.deepcopy(around or {})
    groups = out.get("agencies", [])
    layers = _layers_of_features(a.get("id") for g in groups for a in g.get("assets", []))
    visible = visible_layer_ids(user)
    for group in groups:
        shown = [a for a in group.get("assets", []) if layers.get(a.get("id")) in visible]
        group["hidden_count"] = group.get("hidden_count", 0) + len(group.get("assets", [])) - len(shown)
        group["assets"] = shown
    return out


def redact_incident_response(user, response: dict) -> dict:
    """An incident's stored response as ``user`` may read it: the network trace (pipe, valves, transformer)
    only if every asset in it is on a layer the user may see, else counts; the assets around, as a dig check."""
    import copy

    out = copy.deepcopy(response or {})
    visible = visible_layer_ids(user)
    iso = out.get("isolation") or {}
    traced = [out.get("pipe", {}).get("id")] + [v["id"] for v in iso.get("close", [])] + \
        [p["id"] for p in iso.get("pipes", [])] + [f["stuck_valve"]["id"] for f in iso.get("if_stuck", [])] + \
        [v["id"] for f in iso.get("if_stuck", []) for v in f.get("close", [])]
    station = out.get("transformer") or {}
    power_ids = [station.get("id"), (station.get("substation") or {}).get("id"),
                 (station.get("feeder") or {}).get("id"), (station.get("conductor") or {}).get("id"),
                 *[t["id"] for t in station.get("transformers_cut", [])]]
    power_ids = [i for i in power_ids if i is not None]
    layers = _layers_of_features(traced + power_ids)
    if any(layers.get(i) not in visible for i in traced if i is not None):
        out.pop("pipe", None)
        if out.get("isolation"):
            out["isolation"] = {"hidden": True, "close_count": len(iso.get("close", [])),
                                "pipes_count": len(iso.get("pipes", [])),
                                "parcels_affected_count": len(iso.get("parcels_affected", []))}
    if station and any(layers.get(i) not in visible for i in power_ids):
        out["transformer"] = {"hidden": True, "parcels_affected_count": len(station.get("parcels_affected", []))}
    if "around" in out:
        out["around"] = redact_asset_groups(user, out["around"])
    return out


def feature_visible(user, feature) -> bool:
    """Whether ``user`` may read the layer ``feature`` belongs to."""
    return feature.layer_id in visible_layer_ids(user)


# --- street works ---------------------------------------------------------------------------------------------

def can_view_works(user) -> bool:
    """Every agency's staff see every agency's works (that is the point: dig once), and the coordinators (the
    commission); counter operators do not; the public reads the WZDx feed, with no contacts or notes."""
    profile = staff_profile(user)
    return bool(profile and profile.agency_id) or is_coordinator(user)


def can_manage_works(user, agency_code: str) -> bool:
    """An agency's GIS staff and reviewers record its own works and their progress; nobody another's."""
    profile = staff_profile(user)
    return bool(profile and profile.agency and profile.agency.code == agency_code
                and profile.role in {"gis", "reviewer"})


def can_decide_excavation(user) -> bool:
    """The municipality's reviewers and its signer decide excavation permits."""
    return can_decide(user, "municipality")


def works_bill_agency_ids(user) -> set[int] | None:
    """Whose street-works bills ``user`` may read: None for every agency (coordinators, and the municipality's
    staff, who bill them), else their own agency's (what it owes); nobody else any."""
    if is_coordinator(user):
        return None
    profile = staff_profile(user)
    if profile is None or profile.agency is None:
        return set()
    return None if profile.agency.code == "municipality" else {profile.agency_id}


def can_record_agency_payment(user) -> bool:
    """The municipality's reviewers and signer record an agency's transfer paying its street-works bill (the
    municipality is the payee: an agency cannot mark its own bill paid)."""
    return can_decide(user, "municipality") or role(user) == "admin"


def can_inspect_works(user) -> bool:
    """The municipality's staff (reviewers, GIS, signer) and the coordinators record inspections of works —
    never the agency whose works are inspected."""
    if is_coordinator(user):
        return True
    profile = staff_profile(user)
    return bool(profile and profile.agency and profile.agency.code == "municipality"
                and profile.role in {"reviewer", "gis", "signer"})


# --- citizens (signed in from home with a one-time code) -------------------------------------------------------

def citizen_file_filter(citizen: dict | None) -> dict | None:
    """The files a signed-in citizen may read, as filter arguments on applications; None: no file at all.

    With the identity inquiry's confirmation that the mobile is theirs, a citizen reads every file of their
    national ID; without it (the inquiry did not answer), only the files that also carry that mobile — a
    national ID alone is no secret."""
    if not citizen or not citizen.get("national_id") or not citizen.get("mobile"):
        return None
    if citizen.get("identity") == "verified":
        return {"applicant__national_id": citizen["national_id"]}
    return {"applicant__national_id": citizen["national_id"], "applicant_mobile": citizen["mobile"]}
