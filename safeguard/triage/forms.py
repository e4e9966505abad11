"""Forms of the triage pages and panel, and the routing rule's admin form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safeguard.triage.models import RoutingRule, Target
from safeguard.triage.services import routing


class AcceptForm(forms.Form):
    target = forms.ChoiceField(label=_("What"), choices=Target.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CorrectForm(forms.Form):
    target = forms.ChoiceField(label=_("What"), choices=Target.choices)
    value = forms.CharField(label=_("Correct value"), max_length=80)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ["name", "order", "is_active", "conditions", "department", "group"]
        help_texts = {
            "conditions": _(
                "A JSON object; every key must hold. Keys: type, product, category, channel, signal, "
                "language (a code or a list of codes) and min_confidence (0 to 1). Example: "
                '{"product": "credit-card", "signal": ["fraud"]}. {} matches every case.'
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # {} is a valid rule (a catch-all), which a required JSON field would refuse as empty.
        self.fields["conditions"].required = False

    def clean_conditions(self) -> Any:
        conditions = self.cleaned_data.get("conditions")
        if conditions is None:
            conditions = {}
        errors = routing.validate_conditions(conditions)
        if errors:
            raise forms.ValidationError(errors)
        return conditions

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("department") and not data.get("group"):
            raise forms.ValidationError(_("A rule must route to a department, a handler group, or both."))
        return data
