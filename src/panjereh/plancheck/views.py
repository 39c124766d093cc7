"""The plan check's public verify page and its original report (behind the report's QR code): the check number,
its date and result, the drawing's and the report's SHA-256 — no person, no file."""

from django.http import FileResponse, Http404
from django.shortcuts import render

from panjereh.core.uploads import open_stored
from panjereh.plancheck import report
from panjereh.plancheck.models import PlanCheck


def _plan(code) -> PlanCheck:
    plan = PlanCheck.objects.filter(verification_code=code).select_related("parcel").first() if code else None
    if plan is None:
        raise Http404("no plan check with this verification code")
    return plan


def verify(request, code):
    plan = _plan(code)
    return render(request, "plancheck/verify.html", {"plan": plan, "failed": sum(
        f["status"] == "fail" for f in plan.findings)})


def report_pdf(request, code):
    plan = _plan(code)
    name, digest = report.report_pdf(plan)
    response = FileResponse(open_stored(name), content_type="application/pdf", as_attachment=True,
                            filename=f"{plan.number}.pdf")
    response["X-Content-SHA256"] = digest
    return response
