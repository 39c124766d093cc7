"""The one permission module: pages, the REST API, the OGC API, tiles, feasibility, incidents and works all ask
here, so a layer or file hidden here is hidden everywhere.

Split by subject — ``roles`` (who the user is), ``layers`` (the city map), ``files`` (the single window),
``works``, ``incidents`` (crisis and findings), ``citizens`` — with redaction of spatial answers through a
registry (``redactors``) that the apps knowing each answer's shape fill. Callers write ``access.can_decide(…)``:
this package names every rule once, here, so that no caller needs to know which subject a rule lives in.

``access`` sits above the agencies and below the city map (the map's own pages are guarded here); it imports no
domain model, looking the few rows it filters up by their label."""

from panjereh.access.cities import city_ids, in_cities, visible_parcels, works_in
from panjereh.access.citizens import citizen_file_filter
from panjereh.access.files import (
                                   can_activate_service,
                                   can_add_document,
                                   can_answer_for_applicant,
                                   can_certify_completion, can_decide_appeals, can_inspect_buildings, can_refund, complaints_for,
                                   can_check_documents,
                                   can_decide,
                                   can_record_connection,
                                   can_submit,
                                   can_take_payment,
                                   can_waive_document,
                                   connection_agency_ids,
                                   document_source,
                                   ledger_agency_ids,
                                   submitting_office,
                                   visible_applications,
)
from panjereh.access.incidents import (
                                   can_act_on_finding,
                                   can_report_incident,
                                   can_view_findings,
                                   visible_findings,
)
from panjereh.access.operations import can_read_metrics
from panjereh.access.layers import (
                                   can_change_layer,
                                   can_create_layer,
                                   can_view_layer,
                                   can_view_parcels,
                                   feature_visible,
                                   layer_reader,
                                   layers_of_features,
                                   readable_layer,
                                   visible_layer_ids,
                                   visible_layers,
)
from panjereh.access.redactors import redact
from panjereh.access.roles import (
                                   MUNICIPALITY,
                                   is_coordinator,
                                   role,
                                   staff_profile,
                                   user_agency_id,
)
from panjereh.access.works import (
                                   can_decide_excavation,
                                   can_inspect_works,
                                   can_manage_works,
                                   can_record_agency_payment,
                                   can_view_works,
                                   works_bill_agency_ids,
)

__all__ = [
    "MUNICIPALITY", "can_act_on_finding", "can_activate_service", "can_add_document", "can_answer_for_applicant",
    "can_certify_completion", "can_decide_appeals", "can_inspect_buildings", "can_refund", "complaints_for", "can_change_layer", "can_check_documents", "can_create_layer", "can_decide",
    "can_decide_excavation", "can_inspect_works", "can_manage_works", "can_read_metrics", "can_record_agency_payment",
    "can_record_connection", "can_report_incident", "can_submit", "can_take_payment", "can_view_findings",
    "can_view_layer", "can_view_parcels", "can_view_works", "can_waive_document", "citizen_file_filter",
    "city_ids", "in_cities", "visible_parcels", "works_in",
    "connection_agency_ids", "document_source", "feature_visible", "is_coordinator",
    "layer_reader", "layers_of_features",
    "ledger_agency_ids", "readable_layer", "redact", "role", "staff_profile", "submitting_office", "user_agency_id",
    "visible_applications", "visible_findings", "visible_layer_ids", "visible_layers", "works_bill_agency_ids",
]
