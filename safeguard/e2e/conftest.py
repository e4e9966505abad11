"""Browser fixtures and helpers for the end-to-end tests.

* ``browser``: one headless Chromium per test module (and xdist worker), Debian's
  ``/usr/bin/chromium`` (``SAFEGUARD_CHROMIUM`` overrides the path); the tests skip with a loud
  reason when it is missing (``make browsers`` installs it).
* ``new_page()``: a fresh, isolated browser context and page on the live server (English unless
  asked otherwise); each test gets fresh ones, closed at the end.
* ``login``, ``axe`` and ``screenshot``: sign in through the real form, run axe-core, save a
  full-page PNG under ``var/screenshots/``.

Every test here needs ``django_db(transaction=True, serialized_rollback=True)``: the live server
sees only committed data, and the migrated data (policies, calendars, roles) must be restored.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("SAFEGUARD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Long enough for a loaded 2-core machine, short enough that a missing element fails fast.
TIMEOUT_MS = 10_000
PASSWORD = "correct horse battery staple"  # noqa: S105 - the password safeguard/conftest.py's make_user sets
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")


def _skip_loudly(reason: str) -> NoReturn:
    # In the warnings summary and, through the "-ra" in pyproject's addopts, in the skip summary.
    warnings.warn(f"BROWSER TESTS NOT RUN: {reason}", pytest.PytestWarning, stacklevel=2)
    pytest.skip(f"BROWSER TESTS NOT RUN: {reason}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module.

    Playwright's sync API keeps an asyncio loop running on the test thread while it is started,
    and that changes how Django treats the thread:

    * it refuses ORM calls there as "async unsafe": allowed here (``DJANGO_ALLOW_ASYNC_UNSAFE``),
      since the test thread only sets up and checks data while the live server answers the
      browser on its own thread, where the check stays on;
    * ``django.db.connections`` hands out a second, context-local set of connections. The test
      database's saved state (``serialized_rollback``) lives on the first one, so pytest-django
      would flush without restoring, and on SQLite the test thread would no longer share the
      live server's connection. The test thread keeps its own connections instead, the way
      Django's live server thread is given them.

    Per module, not per session: pytest tears a module's fixtures down before it runs another
    module's test (also under xdist), so no other test ever runs beside a started Playwright.
    """
    if not CHROMIUM.exists():
        _skip_loudly(f"Chromium is not installed at {CHROMIUM} (run `make browsers` as root).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in the dev dependencies
        _skip_loudly("the playwright package is not installed (run `make venv`).")
    from django.db import connections
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    own = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        for alias, connection in own.items():
            connections[alias] = connection
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
        finally:
            for alias in own:
                del connections[alias]


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    # Rate-limit counters live in the local-memory cache, per client address, and every request
    # here comes from 127.0.0.1: start each test with none, and leave none to other tests.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """``new_page(locale="en-US")``: a page in a fresh browser context (its own cookies)."""
    contexts: list[Any] = []

    def make(locale: str = "en-US") -> Any:
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            # axe is injected as a script tag; the coming strict CSP must not block the test's own tool.
            bypass_csp=True,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


def login(page: Any, live_server: Any, user: Any, password: str = PASSWORD) -> None:
    """Sign in through the real login form (English labels: use a fresh page) and wait for the
    page it leads to."""
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    # The sign-out form: there in any language (the user's preferred one applies from here on).
    expect(page.locator('header form[action$="/accounts/logout/"]')).to_be_attached()


def one_time_code(body: str, reference: str) -> str:
    """The 6-digit tracking code in a message to the customer (the reference has digits too)."""
    found = re.search(r"(?<!\d)\d{6}(?!\d)", body.replace(reference, ""))
    assert found is not None, f"no one-time code in {body!r}"
    return found.group(0)


def switch_language(page: Any, code: str) -> None:
    """Change the page's language with the switcher in the top bar (the page reloads in it)."""
    from playwright.sync_api import expect

    switcher = page.locator("header form.language")
    switcher.locator("select[name=language]").select_option(code)
    switcher.get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def axe(page: Any, *, report: str = "", **options: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page and return its serious and critical violations (an empty list is
    a pass). With ``report``, every violation, whatever its impact, is also written to
    ``var/screenshots/<report>.axe.json`` for a reviewer."""
    page.add_script_tag(path=str(AXE_JS))
    violations: list[dict[str, Any]] = page.evaluate(
        "async (options) => (await axe.run(document, options)).violations",
        {"resultTypes": ["violations"], **options},
    )
    if report:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        summary = [
            {"rule": v["id"], "impact": v["impact"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]]}
            for v in violations
        ]
        (SCREENSHOTS / f"{report}.axe.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    """A readable assertion message: rule, impact, and the offending elements."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {node['target']}: {node.get('failureSummary', '')}" for node in v["nodes"][:5])
    return "\n".join(lines)


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page PNG as ``var/screenshots/<name>.png`` for a reviewer."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
