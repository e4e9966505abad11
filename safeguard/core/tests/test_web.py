"""The page-side safety nets: domain errors become error pages with their status, and a
rate-limited request gets a 429 page, never a 500 or a 403."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django_ratelimit.decorators import ratelimit

from safeguard.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied


def _raises(error: Exception):
    def view(request: HttpRequest) -> HttpResponse:
        raise error

    return view


@ratelimit(key="ip", rate="2/m", method="POST", block=True)
def limited(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("not-found/", _raises(NotFound("gone"))),
    path("denied/", _raises(PermissionDenied("no"))),
    path("conflict/", _raises(Conflict("Someone else changed it."))),
    path("invalid/", _raises(InvalidInput("That amount is not a number."))),
    path("api/boom/", _raises(InvalidInput("api"))),
    path("limited/", limited),
    # The error pages extend base.html, which links to the real pages.
    path("", include("safeguard.urls")),
]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        ("/not-found/", 404, "Not found"),
        ("/denied/", 403, "Not allowed"),
        ("/conflict/", 409, "Someone else changed it."),
        ("/invalid/", 422, "That amount is not a number."),
    ],
)
def test_domain_errors_become_pages_with_their_status(client, url, status, text):
    response = client.get(url)
    assert response.status_code == status
    assert text in response.content.decode()


def test_the_back_link_never_points_off_site(client):
    response = client.get("/conflict/", headers={"referer": "https://evil.example/phish"})
    assert "evil.example" not in response.content.decode()
    response = client.get("/conflict/", headers={"referer": "http://testserver/queue/"})
    assert 'href="http://testserver/queue/"' in response.content.decode()


def test_the_api_keeps_its_own_error_mapping(client):
    # Under /api/ the middleware steps aside: the API answers with problem+json itself, and an
    # exception escaping a non-ninja view there is not turned into an HTML page.
    with pytest.raises(InvalidInput):
        client.get("/api/boom/")


def test_a_rate_limited_post_gets_a_429_page_with_retry_after(client):
    assert client.post("/limited/").status_code == 200
    assert client.post("/limited/").status_code == 200
    response = client.post("/limited/")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many requests" in response.content.decode()
    assert client.get("/limited/").status_code == 200  # only POSTs count
