"""Issue 32 item 3: `panjereh reconcile --psp` against each bank's settlement report — fetched from the bank
where it offers it, or the file its merchant panel gave — in Persian, each difference kept and audited, nothing
changed; the finance page shows the day's state."""

import jdatetime
import pytest
from django.core.management import call_command
from django.test import Client

from panjereh.billing.models import Payment, ReconciliationRun
from panjereh.core.calendar import local_date
from panjereh.core.models import AuditRecord
from tests.conftest import user
from tests.permits.test_bank_mellat import awaiting, callback, start, to_the_bank  # noqa: F401

pytestmark = pytest.mark.django_db
ADAPTERS = {"mellat": ("fake_mellat", "/pgwchannel/startpay.mellat"), "sep": ("fake_sep", "/OnlinePG/OnlinePG")}


@pytest.fixture(params=sorted(ADAPTERS))
def bank(request):
    fixture, page = ADAPTERS[request.param]
    return request.param, request.getfixturevalue(fixture), page


def test_the_day_against_the_banks_report(client_for, awaiting, bank, tmp_path, capsys, settings):  # noqa: F811
    name, server, page = bank
    callback(to_the_bank(start(client_for, awaiting), page_path=page))
    paid = Payment.objects.get(bill__application_id=awaiting["id"], status="settled")
    day = local_date(paid.settled_at)
    jalali = jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")
    # agreeing: the report fetched from the bank's server
    call_command("reconcile", "--psp", "--date", jalali)
    assert "با بانک" in capsys.readouterr().out
    run = ReconciliationRun.objects.get()
    assert run.matched == 1 and run.differences == [] and run.gateway == name
    # three differences: one settled here the bank never had, one the bank has and we do not, one amount
    forged = Payment.objects.create(bill=paid.bill, provider="gateway", reference="PJ" + "F" * 24, amount=5,
                                    status="settled", settled_at=paid.settled_at)
    report = tmp_path / "report.csv"
    key = str(int(paid.reference[2:17], 16)) if name == "mellat" else paid.reference
    report.write_text("terminal,date,order_id,reference,amount,status\n"
                      f"{settings.PANJEREH_PSP_TERMINAL},{day:%Y%m%d},{key},111,{paid.amount + 10},settled\n"
                      f"{settings.PANJEREH_PSP_TERMINAL},{day:%Y%m%d},777,222,5000,settled\n", encoding="utf-8")
    before = Payment.objects.values_list("pk", "status", "amount").order_by("pk")
    with pytest.raises(SystemExit) as exited:
        call_command("reconcile", "--psp", "--date", day.isoformat(), "--file", str(report))
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert "در بانک" in out and "اینجا" in out and "مبلغ" in out  # each difference a Persian line
    assert list(Payment.objects.values_list("pk", "status", "amount").order_by("pk")) == list(before)  # nothing changed
    run = ReconciliationRun.objects.order_by("-created_at").first()
    assert sorted(d["kind"] for d in run.differences) == ["amounts_differ", "here_not_there", "there_not_here"]
    assert {d["order_id"] for d in run.differences if d["kind"] == "here_not_there"} == {forged.reference}
    assert AuditRecord.objects.filter(action="reconciliation.difference").count() == 3
    # the finance page shows the day's state to the municipality
    page_client = Client()
    page_client.force_login(user("coordinator"))
    page_html = page_client.get(f"/finance/?from={day.isoformat()}&to={day.isoformat()}").content.decode()
    assert 'id="card-reconciliation"' in page_html and 'data-differences="3"' in page_html


def test_a_bad_date_or_file_is_a_clear_persian_error(fake_mellat, db, capsys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="tomorrow.*۱۴۰۵/۰۹/۱۶"):
        call_command("reconcile", "--psp", "--date", "tomorrow")
    with pytest.raises(CommandError, match="خوانده نمی‌شود"):
        call_command("reconcile", "--psp", "--date", "1405/09/16", "--file", "/nonexistent/report.csv")
