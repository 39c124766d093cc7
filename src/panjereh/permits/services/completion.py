"""After the permit: the connections installed (reported by the agencies) and the completion certificate."""

import secrets

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh.agencies.codes import MUNICIPALITY
from panjereh.core import audit, service_tx
from panjereh.core.calendar import local_date
from panjereh.core.text import Localized, normalize_text
from panjereh.permits import locks, pdf, tariffs, transitions
from panjereh.permits.models import Application, CompletionCertificate, ConnectionOrder, TariffChange, TariffClass
from panjereh.permits.services import issue, supervision
from panjereh.permits.services.base import ApplicationError, Conflict, Outcome, WrongAgency, tell_applicant


def uninstalled_connections(application) -> list:
    """The file's connection orders not yet installed (what a completion certified now would leave behind)."""
    return list(application.connection_orders.select_related("service", "agency")
                .filter(status=ConnectionOrder.Status.ORDERED).order_by("service__code"))


def certify_completion(*, actor, application, reason: str = "") -> Outcome:
    """گواهی پایان کار: the tariff goes from construction to the building's final use, once. With connections
    still not installed it is certified only with a ``reason`` (kept on the certificate and in the audit)."""
    reason = normalize_text(reason or "")
    with service_tx.atomic():
        app = locks.application(application.pk)
        existing = CompletionCertificate.objects.filter(application=app).first()
        if existing:
            return Outcome(existing, False)
        if not app.allows("certify_completion"):
            raise Conflict(_("A completion certificate needs an issued permit."))
        if settings.PANJEREH_COMPLETION_NEEDS_FINAL_INSPECTION and not supervision.final_inspection_passed(app):
            raise Conflict(_("A completion certificate needs the municipality's final inspection passed: the "
                             "supervising engineer reports the completion phase, then the inspector inspects it."))
        pending = uninstalled_connections(app)
        if pending and not reason:
            raise ApplicationError("reason", _("These connections are not installed yet: %(names)s. Write why "
                                               "completion is certified before them.")
                                   % Localized({"names": "، ".join(o.service.name_fa for o in pending)}))
        now = timezone.now()
        cert = CompletionCertificate.objects.create(application=app, issued_at=now,
                                                    issued_by=actor if getattr(actor, "is_authenticated", False)
                                                    else None, verification_code=secrets.token_urlsafe(18),
                                                    uninstalled=[o.service.code for o in pending],
                                                    uninstalled_reason=reason if pending else "")
        pdf.queue("completion", cert.pk)
        final = tariffs.tariff_class_for(app.land_use)
        before = issue.current_tariff_class(app.parcel)
        TariffChange.objects.create(parcel=app.parcel, permit=app.permit, cause=TariffChange.Cause.COMPLETION,
                                    from_class=before, to_class=final, effective_date=local_date(now))
        issue.tell_tariff_change(app, app.permit.number, "completion", before, final, local_date(now))
        Application.objects.filter(pk=app.pk).update(status=transitions.leads_to("certify_completion"))
        audit.record(actor=actor, action="completion.certify", obj=cert,
                     data={"final_class": final, "uninstalled": cert.uninstalled, "reason": cert.uninstalled_reason})
        audit.emit(event_type="completion.certified", agency_code=MUNICIPALITY, parcel_id=app.parcel_id,
                   payload={"application": app.tracking_code})
        audit.emit(event_type="tariff.changed", agency_code="water", parcel_id=app.parcel_id,
                   payload={"permit": app.permit.number, "from": TariffClass.CONSTRUCTION, "to": final,
                            "effective_date": local_date(now).isoformat()})
    return Outcome(cert, True)


def record_connection_installed(*, application, agency_code: str, service_code: str, subscription_number: str,
                                via: str = "", actor=None) -> Outcome:
    """An agency (its system, or its staff on the connections page) reports a connection installed, with its
    meter or subscription number."""
    subscription_number = normalize_text(subscription_number)
    if not subscription_number or len(subscription_number) > 40:
        raise ApplicationError("subscription_number", _("Give the meter or subscription number (at most 40 "
                                                         "characters)."))
    with service_tx.atomic():
        locks.application(application.pk)
        order = locks.connection_order(application.pk, service_code)
        if order is None:
            raise Conflict(_("There is no connection order for %(service)s on file %(code)s.")
                           % Localized({"service": service_code, "code": application.tracking_code}))
        if order.agency.code != agency_code:
            raise WrongAgency("service", _("%(service)s connections belong to agency %(agency)s.")
                                   % Localized({"service": service_code, "agency": order.agency.code}))
        if order.status == ConnectionOrder.Status.INSTALLED:
            if order.subscription_number == subscription_number:
                return Outcome(order, False)
            raise Conflict(_("%(service)s was already installed as subscription %(number)s.")
                           % Localized({"service": service_code, "number": order.subscription_number}))
        ConnectionOrder.objects.filter(pk=order.pk).update(status=ConnectionOrder.Status.INSTALLED,
                                                           subscription_number=subscription_number,
                                                           installed_at=timezone.now())
        order.refresh_from_db()
        audit.record(actor=actor, action="connection.installed", obj=order,
                     data={"subscription_number": subscription_number, "via": via})
        audit.emit(event_type="connection.installed", agency_code=agency_code, parcel_id=application.parcel_id,
                   payload={"application": application.tracking_code, "service": service_code,
                            "subscription_number": subscription_number})
        tell_applicant(application, "connection_installed", f"installed:{order.pk}",
                       {"service": order.service.name_fa, "subscription": subscription_number})
    return Outcome(order, True)
