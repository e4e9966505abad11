"""Content Safeguard ships: the default response templates (both languages).

Called from data migrations with the historical models, so it only uses ``apps.get_model``.
Administrators edit the templates afterwards; re-running never overwrites their edits.
"""

from __future__ import annotations

from typing import Any

# (code, language, title, subject, body, case_type). Bodies use {reference} and {customer_name}?
# No: a template is plain text the handler edits before sending; it names no customer data.
RESPONSE_TEMPLATES: list[tuple[str, str, str, str, str, str]] = []


def seed_response_templates(apps: Any, schema_editor: Any) -> None:
    template = apps.get_model("cases", "ResponseTemplate")
    for code, language, title, subject, body, case_type in RESPONSE_TEMPLATES:
        template.objects.get_or_create(
            code=code,
            language=language,
            defaults={"title": title, "subject": subject, "body": body, "case_type": case_type},
        )
