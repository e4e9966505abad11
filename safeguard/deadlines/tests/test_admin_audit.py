"""Administrators edit calendars and policies in the Django admin; every change leaves an audit entry."""

from datetime import date

import pytest
from django.test import Client

from safeguard.audit.models import AuditEntry
from safeguard.deadlines.models import Calendar, CalendarDay, DeadlinePolicy, PolicyMilestone

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(administrator):
    client = Client()
    client.force_login(administrator)
    return client


def _form_data(response) -> dict:
    """What the browser would post back unchanged: the main form, every inline form and the management forms."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def test_adding_a_holiday_is_audited(admin_client_for, administrator):
    cn = Calendar.objects.get(code="cn")
    response = admin_client_for.post(
        "/admin/deadlines/calendarday/add/",
        {"calendar": cn.pk, "date": "2026-12-31", "is_working_day": "", "name": "Bank closing day"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    day = CalendarDay.objects.get(calendar=cn, date=date(2026, 12, 31))
    entry = AuditEntry.objects.get(action="calendarday.create")
    assert entry.actor == administrator and entry.object_id == str(day.pk)
    assert entry.changes["date"] == "2026-12-31" and entry.changes["name"] == "Bank closing day"


def test_deleting_a_holiday_is_audited(admin_client_for):
    day = CalendarDay.objects.get(calendar__code="cn", date=date(2026, 10, 7))
    response = admin_client_for.post(f"/admin/deadlines/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    entry = AuditEntry.objects.get(action="calendarday.delete")
    assert entry.object_id == str(day.pk) and "2026-10-07" in entry.object_repr


def test_changing_a_policy_and_its_milestone_is_audited_with_before_and_after(admin_client_for):
    policy = DeadlinePolicy.objects.get(code="us-cfpb")
    page = admin_client_for.get(f"/admin/deadlines/deadlinepolicy/{policy.pk}/change/")
    data = _form_data(page)
    data["name"] = "CFPB (15/60 calendar days)"
    first = PolicyMilestone.objects.get(policy=policy, milestone="first_response")
    index = next(k for k, v in data.items() if k.endswith("-id") and v == first.pk).split("-")[1]
    data[f"milestones-{index}-amount"] = 14
    response = admin_client_for.post(f"/admin/deadlines/deadlinepolicy/{policy.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    first.refresh_from_db()
    assert first.amount == 14
    policy_entry = AuditEntry.objects.get(action="deadlinepolicy.change")
    assert policy_entry.changes == {
        "name": {"from": "CFPB company portal (15/60 days)", "to": "CFPB (15/60 calendar days)"}
    }
    milestone_entry = AuditEntry.objects.get(action="policymilestone.change")
    assert milestone_entry.object_id == str(first.pk) and milestone_entry.changes == {"amount": {"from": 15, "to": 14}}


def test_a_calendar_with_a_bad_time_zone_is_refused_and_nothing_is_written(admin_client_for):
    entries = AuditEntry.objects.count()
    response = admin_client_for.post(
        "/admin/deadlines/calendar/add/",
        {"code": "hk", "name": "Hong Kong", "zone": "Asia/HongKong", "years-TOTAL_FORMS": 0, "years-INITIAL_FORMS": 0},
    )
    assert response.status_code == 200
    assert "is not an IANA time zone" in response.context["adminform"].form.errors["zone"][0]
    assert not Calendar.objects.filter(code="hk").exists() and AuditEntry.objects.count() == entries


def test_only_calendar_day_periods_may_move_to_a_working_day(admin_client_for):
    policy = DeadlinePolicy.objects.get(code="uk-psd2")
    page = admin_client_for.get(f"/admin/deadlines/deadlinepolicy/{policy.pk}/change/")
    data = _form_data(page)
    data["milestones-0-rolls_to_working_day"] = "on"
    response = admin_client_for.post(f"/admin/deadlines/deadlinepolicy/{policy.pk}/change/", data)
    assert response.status_code == 200
    assert not PolicyMilestone.objects.get(policy=policy).rolls_to_working_day
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/deadlines/calendar/",
        "/admin/deadlines/calendarday/?calendar__id__exact=1",
        "/admin/deadlines/deadlinepolicy/",
    ],
)
def test_the_admin_lists_render(admin_client_for, url):
    assert admin_client_for.get(url).status_code == 200


def test_an_agent_cannot_change_calendars(make_user):
    from safeguard.accounts.roles import Role

    client = Client()
    client.force_login(make_user(Role.AGENT, is_staff=True))
    day = CalendarDay.objects.get(calendar__code="cn", date=date(2026, 10, 1))
    response = client.post(f"/admin/deadlines/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert CalendarDay.objects.filter(pk=day.pk).exists() and not AuditEntry.objects.exists()


def test_changing_only_an_extension_logs_only_the_extension(admin_client_for):
    policy = DeadlinePolicy.objects.get(code="cn-nfra")
    data = _form_data(admin_client_for.get(f"/admin/deadlines/deadlinepolicy/{policy.pk}/change/"))
    special = next(k for k, v in data.items() if k.startswith("extensions-") and v == "special")
    data[special.replace("-name", "-needs_customer_notice")] = "on"
    complex_ = next(k for k, v in data.items() if k.startswith("extensions-") and v == "complex")
    data[complex_.replace("-name", "-needs_customer_notice")] = "on"
    response = admin_client_for.post(f"/admin/deadlines/deadlinepolicy/{policy.pk}/change/", data)
    assert response.status_code == 302
    assert list(AuditEntry.objects.values_list("action", "changes")) == [
        ("policyextension.change", {"needs_customer_notice": {"from": False, "to": True}})
    ]
