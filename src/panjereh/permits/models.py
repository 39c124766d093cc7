"""The single window: one application, a review task per agency, one bill, one permit, every connection order."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from panjereh.agencies.models import Agency, CounterOffice, RefusalReason, Service
from panjereh.cities.models import City
from panjereh.cities.services import home_city_id
from panjereh.citymap.models import Parcel
from panjereh.citymap.vocabulary import LandUse
from panjereh.core.models import IssuedPaper
from panjereh.permits import transitions

USER = settings.AUTH_USER_MODEL


class Applicant(models.Model):
    """A natural person (national ID) or a legal entity (11-digit national ID).

    The name and mobile here are those first given; each file keeps the details given on that file
    (``Application.applicant_name`` …), so the person's history is their files, and a later file never
    rewrites an earlier one."""

    class Kind(models.TextChoices):
        PERSON = "person", _("natural person")
        ENTITY = "entity", _("legal entity")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    national_id = models.CharField(max_length=11, unique=True, help_text="کد ملی or شناسه ملی")
    name = models.CharField(max_length=200)
    mobile = models.CharField(max_length=11)

    def __str__(self):
        return f"{self.name} ({self.national_id})"


class Document(models.TextChoices):
    """The documents the counter checks for a building permit file (the list a city's regulation asks for)."""

    DEED = "ownership_deed", _("ownership deed")
    ID_CARD = "national_card", _("owner's national card")
    SURVEY = "survey_map", _("parcel survey map")
    DRAWINGS = "design_drawings", _("architectural, structural and services drawings")
    SUPERVISION = "supervision_contract", _("supervising engineer's contract")
    SOIL = "soil_test", _("soil test report")
    POWER_OF_ATTORNEY = "power_of_attorney", _("power of attorney")
    # never required: what the applicant attaches to an answer, or anything else the file should keep
    OTHER = "other", _("answer attachment / other")


class Application(models.Model):
    """One file (پرونده): a building permit and the utility connections it needs."""

    class PermitType(models.TextChoices):
        NEW = "new", _("new building")
        EXTENSION = "extension", _("extension")
        RENOVATION = "renovation", _("renovation")
        REBUILD = "rebuild", _("demolition and rebuild")

    class Status(models.TextChoices):
        AWAITING_CHECK = "awaiting_check", _("awaiting the document check")
        UNDER_REVIEW = "under_review", _("under review")
        AWAITING_PAYMENT = "awaiting_payment", _("awaiting payment")
        REJECTED = "rejected", _("rejected")
        ISSUED = "issued", _("permit issued")
        COMPLETED = "completed", _("completed")
        WITHDRAWN = "withdrawn", _("withdrawn before the document check")

    class Channel(models.TextChoices):
        COUNTER = "counter", _("at a counter office")
        ONLINE = "online", _("online, from home")

    # A parcel holds one open file per permit type; these no longer count as open (permits/transitions.py).
    CLOSED = tuple(sorted(transitions.CLOSED))

    tracking_code = models.CharField(max_length=12, unique=True)
    # the parcel's city, kept on the file so a city's files are one indexed filter (and one row-level policy)
    city = models.ForeignKey(City, on_delete=models.PROTECT, default=home_city_id, related_name="+")
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="applications")
    # The applicant as given on this file: tracking and every document of the file use these.
    applicant_kind = models.CharField(max_length=8, choices=Applicant.Kind.choices, default="person")
    applicant_name = models.CharField(max_length=200, default="")
    applicant_mobile = models.CharField(max_length=11, default="")
    office = models.ForeignKey(CounterOffice, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="applications")
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    permit_type = models.CharField(max_length=12, choices=PermitType.choices)
    land_use = models.CharField(max_length=20, choices=LandUse.choices)
    floors = models.PositiveSmallIntegerField()
    units = models.PositiveSmallIntegerField()
    gross_floor_area = models.FloatField()
    parking_spaces = models.PositiveSmallIntegerField(default=0)
    address = models.CharField(max_length=300, blank=True)
    address_checked = models.BooleanField(null=True, blank=True, help_text="the address is the one the post's "
                                          "inquiry gave for the parcel's postal code (None: not asked or no answer)")
    designer_name = models.CharField(max_length=120, blank=True, help_text="designing engineer (مهندس طراح)")
    designer_membership = models.CharField(max_length=20, blank=True, help_text="engineering council membership no.")
    supervisor_name = models.CharField(max_length=120, blank=True, help_text="supervising engineer (مهندس ناظر)")
    supervisor_membership = models.CharField(max_length=20, blank=True)
    documents = models.JSONField(default=list, blank=True, help_text="codes of the documents checked at the counter")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.COUNTER)
    identity_verified = models.BooleanField(null=True, blank=True, help_text="online files: the mobile-ownership "
                                            "inquiry's answer (None: not asked or not answered yet)")
    check_note = models.TextField(blank=True, help_text="what the document check asked the applicant to bring")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNDER_REVIEW)
    round = models.PositiveSmallIntegerField(default=1, help_text="1, then one more each time the applicant "
                                                                 "amends a refused file and submits it again")
    feasibility = models.JSONField(default=dict, help_text="the shared map's answer at submission")
    planning_problems = models.JSONField(default=list)

    class Meta:
        verbose_name = _("application file")
        verbose_name_plural = _("application files")
        ordering = ["-submitted_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(floors__gte=1) & Q(units__gte=1) & Q(gross_floor_area__gt=0),
                                              name="application_sizes_positive")]

    def __str__(self):
        return self.tracking_code

    def allows(self, action: str) -> bool:
        """Whether this file's status allows ``action`` (the transition table, ``permits/transitions.py``)."""
        return transitions.allows(self.status, action)


class ServiceRequest(models.Model):
    """What the applicant wants of one utility: now, later or not needed, and its size."""

    class Timing(models.TextChoices):
        NOW = "now", _("now")
        LATER = "later", _("later")
        NOT_NEEDED = "not_needed", _("not needed")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="service_requests")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    timing = models.CharField(max_length=10, choices=Timing.choices)
    size = models.JSONField(default=dict, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True, help_text="when a 'later' service was activated")

    class Meta:
        ordering = ["service__code"]
        constraints = [models.UniqueConstraint(fields=["application", "service"], name="one_request_per_service")]


class ReviewTask(models.Model):
    """One agency's review (استعلام) of an application, with its working-day deadline."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        INFO_REQUESTED = "info_requested", _("information requested")
        APPROVED = "approved", _("approved")
        CONDITIONAL = "approved_with_conditions", _("approved with conditions")
        REJECTED = "rejected", _("rejected")
        DEEMED = "deemed_approved", _("deemed approved (silence)")
        WITHDRAWN = "withdrawn", _("withdrawn (the file was refused)")

    OPEN = (Status.PENDING, Status.INFO_REQUESTED)
    POSITIVE = (Status.APPROVED, Status.CONDITIONAL, Status.DEEMED)

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="tasks")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="tasks")
    stage = models.CharField(max_length=40, default="initial", help_text="initial, or activation:<service>")
    round = models.PositiveSmallIntegerField(default=1, help_text="the file's round this review belongs to")
    status = models.CharField(max_length=28, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    due_date = models.DateField(help_text="last working day of the deadline (Tehran)")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    conditions = models.TextField(blank=True)
    info_request = models.TextField(blank=True)
    reason = models.ForeignKey(RefusalReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    overdue_at = models.DateTimeField(null=True, blank=True, help_text="when the missed deadline was flagged")
    withdrawn_note = models.CharField(max_length=300, blank=True, help_text="why the task left the inbox")

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "agency", "stage", "round"],
                                    name="one_task_per_agency_stage_round"),
            models.CheckConstraint(condition=~Q(status="rejected") | Q(reason__isnull=False),
                                   name="rejection_cites_reason"),
        ]
        # the indicators' calendar runs from the first creation to the last decision: read off these two
        indexes = [models.Index(fields=["created_at"], name="reviewtask_created"),
                   models.Index(fields=["decided_at"], name="reviewtask_decided")]

    def __str__(self):
        return f"{self.application} / {self.agency.code} / {self.stage}: {self.status}"


class InfoRequest(models.Model):
    """A reviewer's question to the applicant. The agency's clock stops from ``asked_at`` until ``answered_at``:
    the task's deadline moves on by the working days the file waited on the applicant."""

    task = models.ForeignKey(ReviewTask, on_delete=models.CASCADE, related_name="info_requests")
    question = models.TextField()
    asked_at = models.DateTimeField()
    asked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    waited_working_days = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["asked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["task"], condition=Q(answered_at__isnull=True),
                                               name="one_open_question_per_task")]


class FileDocument(models.Model):
    """A document of a file, one model for every way it arrives: a paper seen at the counter (no file kept,
    who and when recorded), a scan uploaded at the counter, a file uploaded by the applicant from home, or one
    an agency added. An upload is checked by its content and stored once under its own name with its SHA-256;
    the same kind again makes a new version (older versions are kept, and counted)."""

    class Source(models.TextChoices):
        SEEN = "seen", _("original seen at the counter")
        COUNTER = "counter", _("uploaded at the counter")
        CITIZEN = "citizen", _("uploaded by the applicant")
        AGENCY = "agency", _("added by an agency")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="uploaded_documents")
    kind = models.CharField(max_length=24, choices=Document.choices)
    version = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.COUNTER)
    file = models.CharField(max_length=255, blank=True, help_text="the object's name in the default storage "
                            "(empty for an original seen at the counter: nothing was scanned)")
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True, help_text="when it was uploaded or seen")
    uploaded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    help_text="who uploaded or saw it (none: the applicant from home)")
    by_applicant = models.BooleanField(default=False)
    answer_to = models.ForeignKey("InfoRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents",
                                  help_text="the agency's question this document answers")

    class Meta:
        verbose_name = _("file document")
        verbose_name_plural = _("file documents")
        ordering = ["kind", "version"]
        constraints = [models.UniqueConstraint(fields=["application", "kind", "version"],
                                               name="one_document_version"),
                       models.CheckConstraint(condition=Q(source="seen") | ~Q(file=""),
                                              name="document_uploaded_has_file")]


class DocumentWaiver(models.Model):
    """A required document the signing official let the file go without, with the reason (a court order in
    place of a deed, a survey map the municipality holds itself …). Recorded once per kind; never deleted."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="document_waivers")
    kind = models.CharField(max_length=24, choices=Document.choices)
    reason = models.TextField()
    granted_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document exception")
        verbose_name_plural = _("document exceptions")
        constraints = [models.UniqueConstraint(fields=["application", "kind"], name="one_waiver_per_document")]


class PermitCounter(models.Model):
    """The last permit number used in a city in a Jalali year (locked row: numbers never repeat or skip)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, default=home_city_id, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["city", "year"], name="one_permit_counter_per_city_year")]


class Permit(models.Model):
    """The building permit (پروانه ساخت), issued with every connection order in one transaction."""

    class Meta:
        verbose_name = _("building permit")
        verbose_name_plural = _("building permits")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="permit")
    number = models.CharField(max_length=20, unique=True)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    verification_code = models.CharField(max_length=32, unique=True)
    pdf_file = models.CharField(max_length=255, blank=True, help_text="the certificate as rendered at issue (PDF), "
                                "its name in the default storage")
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    signed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  help_text="the official whose name and title the permit carries")
    signed_at = models.DateTimeField(null=True, blank=True, help_text="empty: waiting on the signer's page")

    def __str__(self):
        return self.number


class ConnectionOrder(models.Model):
    """An order to an agency to connect one service to the parcel."""

    class Status(models.TextChoices):
        ORDERED = "ordered", _("ordered")
        INSTALLED = "installed", _("installed")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="connection_orders")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="connection_orders")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ORDERED)
    created_at = models.DateTimeField(auto_now_add=True)
    subscription_number = models.CharField(max_length=40, blank=True)
    installed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("connection order")
        verbose_name_plural = _("connection orders")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["application", "service"], name="one_order_per_service")]

    def __str__(self):
        return f"{self.application} / {self.service}: {self.status}"


class TariffClass(models.TextChoices):
    RESIDENTIAL = "residential", _("residential")
    COMMERCIAL = "commercial", _("commercial")
    PUBLIC = "public", _("public")
    CONSTRUCTION = "construction", _("construction")


class TariffChange(models.Model):
    """A parcel's water tariff changing class, as an event for the water agency.

    ``(permit, cause)`` is unique: the switch to construction happens exactly once per permit,
    and the switch back at completion exactly once.
    """

    class Cause(models.TextChoices):
        PERMIT = "permit_issued", pgettext_lazy("tariff change reason", "permit issued")
        COMPLETION = "completion", pgettext_lazy("tariff change reason", "completion certified")

    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="tariff_changes")
    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="tariff_changes")
    cause = models.CharField(max_length=16, choices=Cause.choices)
    from_class = models.CharField(max_length=14, choices=TariffClass.choices)
    to_class = models.CharField(max_length=14, choices=TariffClass.choices)
    effective_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tariff change")
        verbose_name_plural = _("tariff changes")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["permit", "cause"], name="tariff_switch_once_per_permit")]


class CompletionCertificate(IssuedPaper):
    """گواهی پایان کار: the building is done; the tariff goes to its final use."""

    class Meta:
        verbose_name = _("completion certificate")
        verbose_name_plural = _("completion certificates")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="completion")
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uninstalled = models.JSONField(default=list, blank=True, help_text="the connections not yet installed when "
                                   "completion was certified (service codes)")
    uninstalled_reason = models.TextField(blank=True, help_text="why completion was certified before them")


class PendingPaper(models.Model):
    """An issued paper whose PDF is not rendered yet: the worker renders it (``permits.pdf.render_pending``).

    Written in the issuing transaction, so a paper is never forgotten because a process stopped between the
    commit and the rendering, and the applicant's request (a payment's return from the bank, a signature)
    does not wait half a second for WeasyPrint. Until the worker gets to it, the paper's first request renders
    it; the first rendering is the one kept either way."""

    class Kind(models.TextChoices):
        PERMIT = "permit", _("building permit")
        BILL = "bill", _("bill")
        COMPLETION = "completion", _("completion certificate")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    not_before = models.DateTimeField(db_index=True, help_text="not tried again before this moment (a claim or a "
                                      "retry's back-off)")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="permits_pending_paper_once")]

    def __str__(self):
        return f"{self.kind} {self.object_id}"


class DocumentRequirement(models.Model):
    """A document a file of a permit type needs before the agencies receive it — a city's regulation, edited in
    the admin (the defaults: permits migration 0021, from ``permits/required_documents.py``)."""

    permit_type = models.CharField(_("permit type"), max_length=12, choices=Application.PermitType.choices)
    kind = models.CharField(_("document"), max_length=32, choices=Document.choices)
    position = models.PositiveSmallIntegerField(_("order"), default=0, help_text="the order on the file's list")

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["permit_type", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["permit_type", "kind"], name="one_requirement_per_kind")]

    def __str__(self):
        return f"{self.permit_type}: {self.kind}"


class Appeal(models.Model):
    """An applicant's appeal of a refusal (B-READY: an online dispute of a final decision), filed from home with
    its grounds and, if they wish, a document. The city's appeal body — the municipality's signing official by
    default (``PANJEREH_APPEAL_ROLE``) — decides it within ``PANJEREH_APPEAL_DAYS`` working days: an upheld appeal
    reopens the review in a new round; a dismissed one leaves the refusal standing. One appeal waits at a time."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("appeal", "waiting for the commission")
        UPHELD = "upheld", pgettext_lazy("appeal", "upheld: the review is reopened")
        DISMISSED = "dismissed", pgettext_lazy("appeal", "dismissed: the refusal stands")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="appeals")
    task = models.ForeignKey(ReviewTask, on_delete=models.PROTECT, related_name="appeals",
                             help_text="the refusal appealed")
    grounds = models.TextField()
    document = models.ForeignKey(FileDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    filed_at = models.DateTimeField(auto_now_add=True)
    due_date = models.DateField(help_text="the appeal body decides by this date (working days from filing)")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["filed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["application"], condition=models.Q(status="pending"),
                                               name="permits_one_pending_appeal")]

    def __str__(self):
        return f"{self.application_id} {self.status}"


class Complaint(models.Model):
    """A customer's complaint about a connection or a bill of their file (B-READY: complaints with a resolution
    deadline and escalation). Filed from home; the agency answers within ``PANJEREH_COMPLAINT_DAYS`` working days;
    unanswered by then, the deadline pass escalates it to the independent body (the province's coordinators),
    who see it until it is answered."""

    class Subject(models.TextChoices):
        CONNECTION = "connection", pgettext_lazy("complaint", "a connection")
        BILL = "bill", pgettext_lazy("complaint", "a bill")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("complaint", "waiting for the agency's answer")
        ESCALATED = "escalated", pgettext_lazy("complaint", "not answered in time: sent to the independent body")
        ANSWERED = "answered", pgettext_lazy("complaint", "answered")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="complaints")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="complaints")
    subject = models.CharField(max_length=12, choices=Subject.choices)
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    filed_at = models.DateTimeField(auto_now_add=True)
    due_date = models.DateField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answer = models.TextField(blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["due_date", "id"]

    def __str__(self):
        return f"{self.application_id} {self.agency_id} {self.status}"


class Engineer(models.Model):
    """An engineer of the Construction Engineering Organisation's register (سازمان نظام مهندسی ساختمان): the
    membership number a file names its supervising engineer by, the licence grade that limits which buildings
    they may supervise or inspect (``permits/risk.py``), and the national ID and mobile a supervising engineer
    signs in with (as a citizen does) to report the phases of their buildings. A municipality inspector is an
    engineer too, linked to their staff account, so each inspection records the inspector's grade."""

    class Grade(models.TextChoices):
        GRADE_3 = "3", pgettext_lazy("licence grade", "grade 3")
        GRADE_2 = "2", pgettext_lazy("licence grade", "grade 2")
        GRADE_1 = "1", pgettext_lazy("licence grade", "grade 1")
        SENIOR = "senior", pgettext_lazy("licence grade", "senior")

    membership = models.CharField(max_length=20, unique=True, help_text="engineering council membership no.")
    name_fa = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120, blank=True)
    grade = models.CharField(max_length=8, choices=Grade.choices)
    national_id = models.CharField(max_length=10, blank=True, db_index=True)
    mobile = models.CharField(max_length=11, blank=True)
    user = models.OneToOneField(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="engineer",
                                help_text="a municipality inspector's staff account")
    active = models.BooleanField(default=True, help_text="a suspended or expired licence: false")

    class Meta:
        verbose_name = _("engineer")
        verbose_name_plural = _("engineers")
        ordering = ["membership"]

    def __str__(self):
        return self.membership


class ConstructionPhase(models.TextChoices):
    """The phases a building is supervised in, in their order (``permits/risk.py`` PHASES)."""

    FOUNDATION = "foundation", pgettext_lazy("construction phase", "foundation")
    FRAME = "frame", pgettext_lazy("construction phase", "frame")
    ROOF = "roof", pgettext_lazy("construction phase", "roof")
    COMPLETION = "completion", pgettext_lazy("construction phase", "completion")


class PhaseReport(models.Model):
    """The supervising engineer's report of one phase of the building, sent online with photos: the work
    conforms to the permit's plans, or it does not (and what is wrong). A phase is reported again after a
    non-conforming report or a failed inspection; the latest report of a phase is the one in force."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="phase_reports")
    phase = models.CharField(max_length=12, choices=ConstructionPhase.choices)
    engineer = models.ForeignKey(Engineer, on_delete=models.PROTECT, related_name="reports")
    engineer_grade = models.CharField(max_length=8, choices=Engineer.Grade.choices,
                                      help_text="the licence grade when the report was sent")
    conforms = models.BooleanField()
    notes = models.TextField(blank=True)
    reported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("phase report")
        verbose_name_plural = _("phase reports")
        ordering = ["reported_at", "id"]


class PhasePhoto(models.Model):
    """A photo of a phase report (JPEG or PNG, checked by content), stored once under its own name."""

    report = models.ForeignKey(PhaseReport, on_delete=models.CASCADE, related_name="photos")
    file = models.CharField(max_length=255, help_text="the object's name in the default storage")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("phase photo")
        verbose_name_plural = _("phase photos")
        ordering = ["id"]


class BuildingInspection(models.Model):
    """The municipality's own inspection of one phase: the final phase always, the others when the building's
    risk class drew them (``permits/risk.py``). Waits from the phase's conforming report until an inspector —
    an engineer of a grade that admits the building's class — records what they found."""

    class Reason(models.TextChoices):
        SAMPLED = "sampled", pgettext_lazy("inspection reason", "drawn by the building's risk class")
        FINAL = "final", pgettext_lazy("inspection reason", "the final inspection before completion")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="building_inspections")
    report = models.ForeignKey(PhaseReport, on_delete=models.PROTECT, related_name="inspections")
    phase = models.CharField(max_length=12, choices=ConstructionPhase.choices)
    reason = models.CharField(max_length=8, choices=Reason.choices)
    risk_class = models.CharField(max_length=1)
    selected_at = models.DateTimeField(auto_now_add=True)
    due_date = models.DateField()
    inspected_at = models.DateTimeField(null=True, blank=True)
    inspector = models.ForeignKey(Engineer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    inspector_grade = models.CharField(max_length=8, blank=True, choices=Engineer.Grade.choices)
    passed = models.BooleanField(null=True)
    findings = models.TextField(blank=True)
    photo = models.CharField(max_length=255, blank=True, help_text="the inspector's photo in the default storage")

    class Meta:
        verbose_name = _("building inspection")
        verbose_name_plural = _("building inspections")
        ordering = ["due_date", "id"]
        constraints = [models.UniqueConstraint(fields=["report"], name="permits_one_inspection_per_report")]
