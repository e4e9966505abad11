"""The alerts inbox and an alert's page: who may see and act, the flows, bad input, no 500."""

# The fixtures come from warning_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

from datetime import timedelta

import pytest
from django.urls import reverse

from safeguard.accounts.models import Department
from safeguard.audit.models import AuditEntry
from safeguard.quality.models import Alert
from safeguard.quality.services import alerts as services
from safeguard.quality.tests.warning_support import NOW, TODAY, frozen, make_alert, write_cases  # noqa: F401

pytestmark = pytest.mark.django_db

VIEWERS = ["supervisor", "compliance", "auditor", "administrator"]
REFUSED = ["agent", "other_agent", "nobody"]
ACTIONS = {
    "quality:alert_acknowledge": {"note": ""},
    "quality:alert_close": {"note": "Checked: one customer's repeated complaints."},
    "quality:alert_corrective_action": {"reference": "CA-2026-0001"},
}


def _pages(alert):
    return [reverse("quality:alerts"), reverse("quality:alert_detail", args=[alert.pk])]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    alert = make_alert()
    for url in _pages(alert) + [reverse(name, args=[alert.pk]) for name in ACTIONS]:
        response = client.get(url) if "acknowledge" not in url and "close" not in url else client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", REFUSED)
def test_users_without_view_alert_are_refused(client, request, persona):
    alert = make_alert()
    client.force_login(request.getfixturevalue(persona))
    for url in _pages(alert):
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("persona", VIEWERS)
def test_supervisors_compliance_auditors_and_administrators_see_the_inbox_and_the_alert(client, request, persona):
    alert = make_alert()
    client.force_login(request.getfixturevalue(persona))

    inbox = client.get(reverse("quality:alerts"))
    page = client.get(reverse("quality:alert_detail", args=[alert.pk]))

    assert inbox.status_code == 200 and page.status_code == 200
    assert f'data-alert="{alert.pk}"' in inbox.content.decode()
    assert "Credit cards" in page.content.decode()
    # Only compliance officers get the action forms.
    has_forms = reverse("quality:alert_close", args=[alert.pk]) in page.content.decode()
    assert has_forms == (persona == "compliance")


@pytest.mark.parametrize("persona", ["supervisor", "auditor", "administrator", "agent"])
@pytest.mark.parametrize("name", list(ACTIONS))
def test_only_compliance_officers_may_act(client, request, persona, name):
    alert = make_alert()
    client.force_login(request.getfixturevalue(persona))
    entries = AuditEntry.objects.count()

    response = client.post(reverse(name, args=[alert.pk]), ACTIONS[name])

    assert response.status_code == 403
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN
    assert AuditEntry.objects.count() == entries


def test_acknowledge_link_and_close_from_the_page(client, compliance, frozen):
    alert = make_alert()
    client.force_login(compliance)
    detail = reverse("quality:alert_detail", args=[alert.pk])

    response = client.post(reverse("quality:alert_acknowledge", args=[alert.pk]), {"note": "On it."})
    assert response.status_code == 302 and response["Location"] == detail
    response = client.post(reverse("quality:alert_corrective_action", args=[alert.pk]), {"reference": "CA-2026-0042"})
    assert response.status_code == 302
    response = client.post(reverse("quality:alert_close", args=[alert.pk]), {"note": "Fee system fixed."})
    assert response.status_code == 302

    alert.refresh_from_db()
    assert alert.status == Alert.Status.CLOSED
    assert alert.acknowledged_by == alert.closed_by == compliance
    assert (alert.corrective_action, alert.note) == ("CA-2026-0042", "Fee system fixed.")
    actions = list(
        AuditEntry.objects.filter(object_type="quality.alert", object_id=str(alert.pk)).values_list("action", flat=True)
    )
    assert actions == ["alert.acknowledge", "alert.corrective_action", "alert.close"]
    page = client.get(detail).content.decode()
    assert "Fee system fixed." in page and "CA-2026-0042" in page
    assert reverse("quality:alert_close", args=[alert.pk]) not in page  # closed: no more actions


def test_closing_without_a_note_shows_the_error_and_changes_nothing(client, compliance):
    alert = make_alert()
    client.force_login(compliance)
    entries = AuditEntry.objects.count()

    response = client.post(reverse("quality:alert_close", args=[alert.pk]), {"note": ""})

    assert response.status_code == 400
    assert "Say why the alert is closed" in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("quality:alert_acknowledge", {"note": ""}),
        ("quality:alert_close", {"note": "again"}),
        ("quality:alert_corrective_action", {"reference": "CA-9"}),
    ],
)
def test_acting_on_a_closed_alert_is_refused_with_a_reason_not_a_500(client, compliance, name, data):
    alert = make_alert()
    services.close(alert=alert, by=compliance, now=NOW, note="Done.")
    client.force_login(compliance)
    entries = AuditEntry.objects.count()

    response = client.post(reverse(name, args=[alert.pk]), data)

    assert response.status_code == 409
    assert "This alert is closed" in response.content.decode()
    assert AuditEntry.objects.count() == entries


def test_acknowledging_twice_is_refused(client, compliance):
    alert = make_alert()
    client.force_login(compliance)
    client.post(reverse("quality:alert_acknowledge", args=[alert.pk]), {"note": ""})

    response = client.post(reverse("quality:alert_acknowledge", args=[alert.pk]), {"note": ""})

    assert response.status_code == 409
    assert "already acknowledged" in response.content.decode()


def test_a_missing_alert_is_not_found(client, compliance):
    client.force_login(compliance)
    assert client.get(reverse("quality:alert_detail", args=[999999])).status_code == 404
    assert client.post(reverse("quality:alert_acknowledge", args=[999999])).status_code == 404


def test_actions_take_only_post(client, compliance):
    alert = make_alert()
    client.force_login(compliance)
    assert client.get(reverse("quality:alert_close", args=[alert.pk])).status_code == 405


@pytest.mark.parametrize("query", [{"status": "bogus"}, {"kind": "nope"}, {"dimension": "x"}, {"page": "0"}])
def test_invalid_filters_are_a_400_with_the_reason(client, compliance, query):
    client.force_login(compliance)
    response = client.get(reverse("quality:alerts"), query)
    assert response.status_code == 400
    assert "Some filters are not valid" in response.content.decode()


def test_the_inbox_shows_what_needs_attention_and_filters(client, compliance):
    waiting = make_alert()
    seen = make_alert(series_key="deposit", series_label="Deposits", status=Alert.Status.ACKNOWLEDGED)
    done = make_alert(series_key="fx", series_label="FX", status=Alert.Status.CLOSED)
    theme = make_alert(kind=Alert.Kind.NEW_THEME, dimension=Alert.Dimension.TEXT, series_key="theme-1")
    client.force_login(compliance)

    def shown(**query):
        body = client.get(reverse("quality:alerts"), query).content.decode()
        return {a.pk for a in (waiting, seen, done, theme) if f'data-alert="{a.pk}"' in body}

    assert shown() == {waiting.pk, seen.pk, theme.pk}
    assert shown(status="closed") == {done.pk}
    assert shown(status="all") == {waiting.pk, seen.pk, done.pk, theme.pk}
    assert shown(status="all", kind="new_theme") == {theme.pk}
    assert shown(status="all", dimension="product") == {waiting.pk, seen.pk, done.pk}


def test_the_inbox_is_shown_in_chinese_with_chinese_series_names(client, compliance):
    make_alert()
    client.force_login(compliance)
    body = client.get(reverse("quality:alerts"), headers={"accept-language": "zh-hans"}).content.decode()
    assert "信用卡" in body


def test_the_inbox_has_a_query_budget(client, compliance, django_assert_max_num_queries):
    for i in range(30):
        make_alert(series_key=f"p{i}", suggested_owner=Department.objects.get(code="cards"))
    client.force_login(compliance)
    # session, user, permissions (one query), the pager's count, the page's alerts with their
    # owners, people and case counts (one query), the open count: 6, whatever the number of rows.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("quality:alerts"))
    assert response.status_code == 200


def test_the_cases_behind_an_alert_are_those_the_reader_may_see(client, make_user, customer, departments, frozen):
    from django.contrib.auth.models import Permission

    mine = write_cases(customer, {TODAY - timedelta(days=1): 2}, department=departments["cards"])
    other = write_cases(customer, {TODAY - timedelta(days=1): 2}, department=departments["branch_sh"])
    alert = make_alert()
    alert.cases.set(mine + other)
    reader = make_user("agent", departments_=("cards",))
    reader.user_permissions.add(Permission.objects.get(codename="view_alert"))
    client.force_login(reader)

    body = client.get(reverse("quality:alert_detail", args=[alert.pk])).content.decode()

    assert all(c.reference in body for c in mine)
    assert not any(c.reference in body for c in other)


def test_the_page_shows_the_daily_figures_and_the_chart_data(client, compliance):
    alert = make_alert(
        detail={
            "label_zh": "信用卡",
            "days": [{"day": str(TODAY - timedelta(days=1)), "observed": 25, "expected": 9.5, "cusum": 8.2}],
            "threshold": 7.0,
        }
    )
    client.force_login(compliance)

    body = client.get(reverse("quality:alert_detail", args=[alert.pk])).content.decode()

    assert 'id="alert-chart-data"' in body
    assert "quality/alerts.js" in body
    assert "<script>" not in body  # no inline script (CSP): the data is a json_script element
    assert "8.20" in body and "9.5" in body
