"""The accessibility check itself can fail: axe-core, injected the way the page tests inject it,
reports the violations of a page built to have them. No database and no server needed."""

from __future__ import annotations

import pytest

from safeguard.e2e.conftest import axe

pytestmark = pytest.mark.browser


def test_axe_reports_an_unlabelled_input_and_an_image_without_a_text_alternative(browser):
    page = browser.new_page()
    try:
        page.set_content('<!doctype html><html lang="en"><title>t</title><main><img src="data:,"><input></main></html>')
        assert {v["id"] for v in axe(page)} >= {"image-alt", "label"}
    finally:
        page.close()
