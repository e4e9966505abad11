"""The form of the Reports page: which report, for which period, in which format and language.
Every value is checked here (the period against the kind, and that it has ended), so bad input is a
form error, never a 500."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from safeguard.core.errors import DomainError
from safeguard.quality.models import Report
from safeguard.quality.reports import FORMATS, report_period


class GenerateReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=Report.Kind.choices)
    period = forms.CharField(
        label=_("Period"),
        max_length=10,
        help_text=_(
            "A month (2026-10) for the monthly report, a quarter (2026-Q3) for the quarterly one; "
            "the regulatory returns and the transparency summary also take a half year (2026-H1) or a year."
        ),
    )
    format = forms.ChoiceField(label=_("Format"), choices=[(f, f.upper()) for f in FORMATS])
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = get_language() or settings.LANGUAGE_CODE
        self.fields["language"].initial = current if current in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, period = data.get("kind"), data.get("period")
        if kind and period:
            try:
                data["period"] = report_period(kind, period).code
            except DomainError as exc:
                self.add_error("period", exc.detail)
        return data
