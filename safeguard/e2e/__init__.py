"""End-to-end tests in a real browser: Playwright for Python driving Debian's Chromium against
pytest-django's live server. Marked ``browser`` (deselect with ``-m "not browser"``); they skip,
loudly, when Chromium is missing. Screenshots of each main page go to ``var/screenshots/``."""
