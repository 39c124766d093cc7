"""Issuing the permit (its number, its connection orders, the parcel's water tariff switched to construction in the
same transaction), signing it, and activating a service chosen for later."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh.agencies import fees
from panjereh.agencies.codes import MUNICIPALITY
from panjereh.agencies.officials import signing_official
from panjereh.agencies.queries import municipality_of
from panjereh.core import audit, service_tx
from panjereh.core.calendar import jalali, jalali_year, local_date
from panjereh.core.text import Localized, persian_digits
from panjereh.permits import locks, pdf, tariffs, transitions
from panjereh.permits.models import (Application, ConnectionOrder, Permit, PermitCounter, ReviewTask, ServiceRequest,
                                     TariffChange, TariffClass)
from panjereh.permits.services import apply
from panjereh.permits.services.base import ApplicationError, Conflict, Outcome, tell_applicant


def _permit_number(app, today) -> str:
    """The next number of the file's city in the Jalali year: the city's prefix, the year, the count (each city
    counts its own permits, so a number says its city and two cities never wait on one counter)."""
    year = jalali_year(today)
    try:
        with transaction.atomic():
            PermitCounter.objects.get_or_create(city_id=app.city_id, year=year)
    except IntegrityError:
        pass
    counter = locks.permit_counter(app.city_id, year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{app.city.prefix}-{year}-{counter.last:06d}"


def _order(app, service) -> ConnectionOrder:
    order = ConnectionOrder.objects.create(application=app, service=service, agency=service.agency)
    audit.emit(event_type="connection.ordered", agency_code=service.agency.code, parcel_id=app.parcel_id,
               payload={"application": app.tracking_code, "service": service.code, "order": order.pk,
                        "size": app.service_requests.get(service=service).size})
    return order


def current_tariff_class(parcel) -> str:
    """The parcel's water tariff class now: the last change's, or its land use's if it never changed."""
    last = TariffChange.objects.filter(parcel=parcel).order_by("-created_at", "-id").first()
    return last.to_class if last else tariffs.tariff_class_for(parcel.land_use)


def tell_tariff_change(app, permit_number: str, cause: str, from_class: str, to_class: str, day) -> None:
    """The applicant told by SMS of the parcel's water tariff changing (B-READY: tariff changes are notified to
    the customer), once per permit and cause, in the transaction that changes it."""
    tell_applicant(app, "tariff_changed", f"tariff:{permit_number}:{cause}", {
        "from": TariffClass(from_class).label, "to": TariffClass(to_class).label,
        "date": persian_digits(jalali(day))})


def _issue_permit(app, actor) -> Permit:
    """Permit, every 'now' connection order and the tariff switch: one transaction (the caller's)."""
    now = timezone.now()
    today = local_date(now)
    # signed at issue by the official who signs the municipality's papers, unless the city has its permits
    # wait on the signing official's page (then the paper is made when it is signed)
    municipality = municipality_of(app.city_id)
    await_signature = municipality.permits_await_signature
    official = None if await_signature else signing_official(municipality.code)
    permit = Permit.objects.create(application=app, number=_permit_number(app, today), issued_at=now,
                                   issued_by=audit.user_or_none(actor),
                                   verification_code=secrets.token_urlsafe(18),
                                   signed_by=official.user if official else None,
                                   signed_at=None if await_signature else now)
    for sr in app.service_requests.filter(timing="now").select_related("service__agency"):
        _order(app, sr.service)
    from_class = current_tariff_class(app.parcel)
    TariffChange.objects.create(parcel=app.parcel, permit=permit, cause=TariffChange.Cause.PERMIT,
                                from_class=from_class, to_class=TariffClass.CONSTRUCTION, effective_date=today)
    Application.objects.filter(pk=app.pk).update(status=transitions.leads_to("issue"))
    audit.record(actor=actor, action="permit.issue", obj=permit, data={"number": permit.number})
    audit.emit(event_type="permit.issued", agency_code=MUNICIPALITY, parcel_id=app.parcel_id,
               payload={"application": app.tracking_code, "permit": permit.number})
    tell_applicant(app, "permit_issued", f"permit:{permit.number}", {"number": permit.number})
    tell_tariff_change(app, permit.number, "permit", from_class, TariffClass.CONSTRUCTION, today)
    if not await_signature:
        pdf.queue("permit", permit.pk)  # the original PDF, rendered by the worker once the permit is committed
    audit.emit(event_type="tariff.changed", agency_code="water", parcel_id=app.parcel_id,
               payload={"permit": permit.number, "from": from_class, "to": TariffClass.CONSTRUCTION,
                        "effective_date": today.isoformat()})
    return permit


def sign_permit(*, actor, permit) -> Outcome:
    """The signing official signs a permit waiting on their page: it carries their name and title from now
    on, and its paper (the original PDF) is made. Signing twice changes nothing the second time."""
    with service_tx.atomic():
        now = timezone.now()
        signed = Permit.objects.filter(pk=permit.pk, signed_at__isnull=True).update(
            signed_by=audit.user_or_none(actor), signed_at=now)
        permit.refresh_from_db()
        if not signed:
            return Outcome(permit, False)
        audit.record(actor=actor, action="permit.sign", obj=permit, data={"number": permit.number})
        pdf.queue("permit", permit.pk)
    return Outcome(permit, True)


def activate_service(*, actor, application, service_code: str, size: dict | None = None) -> Outcome:
    """Turn a service chosen 'later' on, on the same file: a review by its agency, then a bill line."""
    with service_tx.atomic():
        app = locks.application(application.pk)
        if not app.allows("activate_service"):
            raise Conflict(_("A service chosen for later is activated once the permit is issued."))
        sr = app.service_requests.select_related("service__agency").filter(service__code=service_code).first()
        if sr is None:
            raise ApplicationError("service", _("Unknown service «%(code)s».") % Localized({"code": service_code}))
        stage = f"activation:{service_code}"
        existing = app.tasks.filter(stage=stage).first()
        if existing:
            return Outcome(existing, False)
        if sr.timing == "now":
            raise Conflict(_("The service %(code)s was already requested with the permit.")
                % Localized({"code": service_code}))
        new_size = size if size is not None else sr.size
        water = app.service_requests.filter(service__code="water").first()
        try:
            fees.service_fee(service_code, land_use=app.land_use, units=app.units, size=new_size,
                             water_size=water.size if water else None, city_id=app.city_id)
        except fees.FeeError as exc:
            raise ApplicationError(f"size.{exc.field}", str(exc)) from exc
        now = timezone.now()
        ServiceRequest.objects.filter(pk=sr.pk).update(timing="now", size=new_size, activated_at=now)
        task = ReviewTask.objects.create(application=app, agency=sr.service.agency, stage=stage,
                                         due_date=apply._due(sr.service.agency, now, app.city_id))
        audit.record(actor=actor, action="service.activate", obj=app, data={"service": service_code})
        audit.emit(event_type="service.activated", agency_code=sr.service.agency.code, parcel_id=app.parcel_id,
                   payload={"application": app.tracking_code, "service": service_code, "due_date": str(task.due_date)})
    return Outcome(task, True)
