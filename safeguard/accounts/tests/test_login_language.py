import pytest
from django.conf import settings

from safeguard.accounts.tests.conftest import login

pytestmark = pytest.mark.django_db


def test_login_applies_the_users_preferred_language(make_user, client):
    user = make_user("agent", preferred_language="zh-hans")
    response = login(client, user.username)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_the_login_page_can_switch_language(client):
    page = client.get("/accounts/login/")
    assert 'action="/i18n/setlang/"' in page.content.decode()
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert '<html lang="zh-hans">' in client.get("/accounts/login/").content.decode()


def test_an_unknown_language_is_ignored(client):
    client.post("/i18n/setlang/", {"language": "xx", "next": "/accounts/login/"})
    assert '<html lang="en">' in client.get("/accounts/login/").content.decode()
