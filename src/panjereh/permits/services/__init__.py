"""Every state change of the single window, as plain functions in one transaction each, split by subject as
Zulip splits its actions: ``apply`` (open and amend a file), ``documents`` (uploads and the document check),
``review`` (decisions, questions, what happens next), ``pay`` (bills, payments, the ledger), ``issue`` (the permit,
connection orders, the tariff), ``completion`` (connections installed, the certificate), ``deadlines``.

Each writes its audit record and its outbox events in the same transaction (``core.audit``), opened by
``core.service_tx.atomic()`` (durable: a service inside another's transaction fails loudly). Concurrency is the
database's job: rows are locked in the one order of ``permits/locks.py`` and state moves with conditional updates,
so two reviewers deciding at once cannot both win and a payment counted twice is not. What a file's status
allows is asked of ``permits/transitions.py``.

Callers write ``services.record_decision(…)``: the names below are the single window's public services (and the
two helpers the tests drive directly), whichever subject module holds them."""

from panjereh.permits.services.appeal import decide_appeal, file_appeal, waiting_appeals
from panjereh.permits.services.complaint import answer_complaint, file_agencies, file_complaint
from panjereh.permits.services.apply import (TRACKING_ALPHABET, estimate, fee_lines, resubmit_application,
                                             submit_application)
from panjereh.permits.services.base import (LINK_SECTIONS, ApplicationError, Conflict, Outcome, WrongAgency, file_url,
                                            tell_applicant, track_url)
from panjereh.permits.services.completion import (certify_completion, record_connection_installed,
                                                  uninstalled_connections)
from panjereh.permits.services.supervision import (final_inspection_passed, record_building_inspection,
                                                   report_phase, waiting_inspections)
from panjereh.permits.services.deadlines import process_deadlines
from panjereh.permits.services.documents import (accept_documents, add_document, close_unchecked, expire_unchecked,
                                                 missing_documents, record_documents_seen, record_identity,
                                                 return_for_documents, waive_document)
from panjereh.permits.services.issue import activate_service, current_tariff_class, sign_permit
from panjereh.permits.services.pay import complete_gateway_payment, open_bill, record_payment, start_gateway_payment
from panjereh.permits.services.review import (DECISIONS, _advance, _current_task, answer_info_request, check_decision,
                                              record_decision)

__all__ = [
    'ApplicationError', 'Conflict', 'DECISIONS', 'LINK_SECTIONS', 'Outcome', 'TRACKING_ALPHABET', 'WrongAgency',
    '_advance', '_current_task', 'accept_documents', 'activate_service', 'add_document', 'answer_info_request',
    'certify_completion', 'check_decision', 'close_unchecked', 'complete_gateway_payment',
    'answer_complaint', 'current_tariff_class', 'decide_appeal', 'file_agencies', 'file_complaint', 'estimate', 'file_appeal', 'waiting_appeals', 'expire_unchecked', 'fee_lines', 'file_url', 'missing_documents',
    'open_bill', 'process_deadlines', 'record_connection_installed', 'record_decision', 'record_documents_seen',
    'record_identity', 'record_payment', 'resubmit_application', 'return_for_documents',
    'sign_permit', 'start_gateway_payment', 'submit_application', 'tell_applicant', 'track_url',
    'uninstalled_connections', 'waive_document', 'final_inspection_passed', 'record_building_inspection',
    'report_phase', 'waiting_inspections'
]
