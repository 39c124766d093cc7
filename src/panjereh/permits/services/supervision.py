"""Construction supervised by phase and inspected by risk (B-READY: inspections during construction).

After the permit, the file's supervising engineer (named on the file by their engineering council membership,
found in the register ``Engineer``) reports each phase — foundation, frame, roof, completion, in that order —
online with photos. A conforming report of a phase the building's risk class drew (``permits/risk.py``), and of
the completion phase always, waits for the municipality's own inspection by an engineer of a grade that admits
the building. A phase is *cleared* when its latest report conforms and, if it was drawn, its inspection passed;
the next phase is reported only after it. A failed inspection or a non-conforming report sends the phase back:
it is reported again, and inspected again. The completion certificate waits for the final inspection
(``PANJEREH_COMPLETION_NEEDS_FINAL_INSPECTION``)."""

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh.agencies.codes import MUNICIPALITY
from panjereh.core import audit, service_tx, uploads
from panjereh.core.calendar import add_working_days, local_date
from panjereh.core.text import Localized, normalize_text
from panjereh.permits import locks, risk
from panjereh.permits.models import (Application, BuildingInspection, ConstructionPhase, Engineer, PhasePhoto,
                                     PhaseReport)
from panjereh.permits.services.base import ApplicationError, Conflict, tell_applicant

MAX_PHOTOS = 6


def engineer_signed_in(citizen: dict | None) -> Engineer | None:
    """The registered, active engineer a citizen's sign-in is (their national ID, and their mobile unless the
    identity inquiry confirmed the pair): a supervising engineer signs in as any citizen does."""
    if not citizen or not citizen.get("national_id"):
        return None
    engineers = Engineer.objects.filter(national_id=citizen["national_id"], active=True)
    if citizen.get("identity") != "verified":
        engineers = engineers.filter(mobile=citizen.get("mobile", ""))
    return engineers.first()


def inspector_of(user) -> Engineer | None:
    """The active engineer record of a staff user (a municipality inspector), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Engineer.objects.filter(user=user, active=True).first()


def supervised_files(engineer: Engineer):
    """The files this engineer supervises that are being built or were completed, the newest first."""
    return Application.objects.filter(supervisor_membership=engineer.membership, status__in=[
        Application.Status.ISSUED, Application.Status.COMPLETED]).select_related("parcel").order_by("-submitted_at")


def _latest(app, phase) -> PhaseReport | None:
    return app.phase_reports.filter(phase=phase).order_by("-reported_at", "-id").first()


def phase_cleared(app, phase) -> bool:
    """The phase's latest report conforms and, if it was inspected, the inspection passed."""
    report = _latest(app, phase)
    if report is None or not report.conforms:
        return False
    inspection = report.inspections.first()
    return inspection is None or inspection.passed is True


def phases(app) -> list[dict]:
    """Each phase of the file with its latest report, its inspection and where it stands, in order."""
    reports = {}
    for report in app.phase_reports.select_related("engineer").prefetch_related("photos", "inspections"):
        reports[report.phase] = report  # ordered by time: the last one stays
    out, open_found = [], False
    for phase in risk.PHASES:
        report = reports.get(phase)
        inspection = report.inspections.all()[0] if report and report.inspections.all() else None
        if report is None:
            state = "waiting" if not open_found else "later"
        elif not report.conforms:
            state = "nonconforming"
        elif inspection is not None and inspection.passed is None:
            state = "inspection_due"
        elif inspection is not None and inspection.passed is False:
            state = "inspection_failed"
        else:
            state = "cleared"
        if state != "cleared":
            open_found = True
        out.append({"phase": phase, "label": ConstructionPhase(phase).label, "report": report,
                    "inspection": inspection, "state": state})
    return out


def final_inspection_passed(app) -> bool:
    """The completion phase is cleared by a passed final inspection (what the completion certificate needs)."""
    report = _latest(app, risk.FINAL_PHASE)
    return bool(report and report.conforms and report.inspections.filter(passed=True).exists())


def _check_report(engineer, app, phase, conforms, notes):
    if phase not in risk.PHASES:
        raise ApplicationError("phase", _("Unknown construction phase «%(phase)s».") % Localized({"phase": phase}))
    if not engineer.active or engineer.membership != app.supervisor_membership:
        raise Conflict(_("Only the file's supervising engineer reports its phases."))
    klass = risk.of_file(app)
    if not risk.grade_admits(engineer.grade, klass):
        raise Conflict(_("A %(grade)s engineer may not supervise a building of class %(klass)s.")
                       % Localized({"grade": Engineer.Grade(engineer.grade).label, "klass": klass}))
    if app.status != Application.Status.ISSUED:
        raise Conflict(_("File %(code)s is not being built: phases are reported between the permit and the "
                         "completion.") % Localized({"code": app.tracking_code}))
    done = [p for p in risk.PHASES if phase_cleared(app, p)]
    if phase in done:
        raise Conflict(_("The %(phase)s phase is already cleared.") % Localized({"phase": ConstructionPhase(phase).label}))
    expected = risk.next_phase(done)
    if phase != expected:
        raise Conflict(_("The %(phase)s phase comes first.") % Localized({"phase": ConstructionPhase(expected).label}))
    latest = _latest(app, phase)
    if latest and latest.conforms and latest.inspections.filter(passed__isnull=True).exists():
        raise Conflict(_("The %(phase)s phase is waiting for the municipality's inspection.")
                       % Localized({"phase": ConstructionPhase(phase).label}))
    if not conforms and not notes:
        raise ApplicationError("notes", _("Write what does not conform to the permit's plans."))


def _store_photo(upload, prefix: str, field: str) -> uploads.StoredFile:
    """A photo checked by its content (JPEG or PNG) and stored; refused with the field's error otherwise."""
    try:
        return uploads.store(upload, prefix=prefix, field=field, allowed=(uploads.JPEG, uploads.PNG))
    except uploads.UploadError as exc:
        raise ApplicationError(exc.field, str(exc)) from None


def report_phase(*, engineer: Engineer, application, phase: str, conforms: bool, notes: str = "",
                 photos=()) -> PhaseReport:
    """The supervising engineer's report of the next phase, with 1 to ``MAX_PHOTOS`` photos (JPEG or PNG,
    checked by content before anything is kept). A conforming report of an inspected phase opens the
    municipality's inspection, due in ``PANJEREH_INSPECTION_DAYS`` working days."""
    notes = normalize_text(notes or "")
    photos = [p for p in photos if p]
    application = Application.objects.get(pk=application.pk)  # as it stands now, not as the caller last read it
    _check_report(engineer, application, phase, conforms, notes)
    if not photos:
        raise ApplicationError("photos", _("Add at least one photo of the phase."))
    if len(photos) > MAX_PHOTOS:
        raise ApplicationError("photos", _("At most %(count)s photos go with one report.")
                               % Localized({"count": MAX_PHOTOS}))
    stored = []
    try:
        for photo in photos:
            stored.append(_store_photo(photo, f"files/{application.tracking_code}/phases", "photos"))
        with service_tx.atomic():
            app = locks.application(application.pk)
            _check_report(engineer, app, phase, conforms, notes)  # again under the lock
            failed_before = app.building_inspections.filter(phase=phase, passed=False).exists()
            report = PhaseReport.objects.create(application=app, phase=phase, engineer=engineer,
                                                engineer_grade=engineer.grade, conforms=conforms, notes=notes)
            for item in stored:
                PhasePhoto.objects.create(report=report, file=item.name, content_type=item.content_type,
                                          size=item.size, sha256=item.sha256)
            klass = risk.of_file(app)
            inspection = None
            if conforms and (failed_before or risk.inspected(app, phase)):
                today = local_date(timezone.now())
                inspection = BuildingInspection.objects.create(
                    application=app, report=report, phase=phase, risk_class=klass,
                    reason=(BuildingInspection.Reason.FINAL if phase == risk.FINAL_PHASE
                            else BuildingInspection.Reason.SAMPLED),
                    due_date=add_working_days(today, settings.PANJEREH_INSPECTION_DAYS, app.city_id))
            audit.record(actor=None, action="construction.phase_reported", obj=report,
                         data={"application": app.tracking_code, "phase": phase, "conforms": conforms,
                               "engineer": engineer.membership, "photos": [s.sha256 for s in stored]})
            audit.emit(event_type="construction.phase_reported", agency_code=MUNICIPALITY, parcel_id=app.parcel_id,
                       payload={"application": app.tracking_code, "phase": phase, "conforms": conforms,
                                "risk_class": klass, "inspection_due": str(inspection.due_date) if inspection
                                else None})
            if not conforms:
                tell_applicant(app, "phase_nonconforming", f"phase:{report.pk}",
                               {"phase": ConstructionPhase(phase).label})
        return report
    except BaseException:
        for item in stored:
            default_storage.delete(item.name)
        raise


def waiting_inspections(files):
    """The inspections not yet recorded in these files, the earliest due first."""
    return (BuildingInspection.objects.filter(application__in=files, inspected_at__isnull=True)
            .select_related("application", "application__parcel", "report", "report__engineer")
            .prefetch_related("report__photos").order_by("due_date", "id"))


def record_building_inspection(*, actor, inspection: BuildingInspection, passed: bool, findings: str = "",
                               photo=None) -> BuildingInspection:
    """The municipality inspector's finding on one phase. The inspector is a registered engineer whose grade
    admits the building's class; a failure says what is wrong (the applicant is told, and the phase is
    reported again); a photo is checked before anything is recorded."""
    findings = normalize_text(findings or "")
    inspector = inspector_of(actor)
    if inspector is None:
        raise Conflict(_("Inspections are recorded by an engineer of the register: ask the administrator to link "
                         "your account to your membership."))
    if not risk.grade_admits(inspector.grade, inspection.risk_class):
        raise Conflict(_("A %(grade)s engineer may not inspect a building of class %(klass)s.")
                       % Localized({"grade": Engineer.Grade(inspector.grade).label, "klass": inspection.risk_class}))
    if not passed and not findings:
        raise ApplicationError("findings", _("Write what the inspection found wrong."))
    stored = None
    if photo is not None:
        stored = _store_photo(photo, f"files/{inspection.application.tracking_code}/inspections", "photo")
    try:
        with service_tx.atomic():
            app = locks.application(inspection.application_id)
            if BuildingInspection.objects.filter(pk=inspection.pk, inspected_at__isnull=True).update(
                    inspected_at=timezone.now(), passed=passed, findings=findings, inspector=inspector,
                    inspector_grade=inspector.grade, photo=stored.name if stored else "") != 1:
                raise Conflict(_("This inspection was already recorded."))
            inspection.refresh_from_db()
            audit.record(actor=actor, action="construction.inspected", obj=inspection,
                         data={"application": app.tracking_code, "phase": inspection.phase, "passed": passed,
                               "inspector": inspector.membership, "grade": inspector.grade})
            audit.emit(event_type="construction.inspected", agency_code=MUNICIPALITY, parcel_id=app.parcel_id,
                       payload={"application": app.tracking_code, "phase": inspection.phase, "passed": passed})
            if not passed:
                tell_applicant(app, "inspection_failed", f"inspection:{inspection.pk}",
                               {"phase": ConstructionPhase(inspection.phase).label})
        return inspection
    except BaseException:
        if stored:
            default_storage.delete(stored.name)
        raise
