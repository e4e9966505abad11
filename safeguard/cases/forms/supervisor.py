"""Forms of the supervisor view (``views/supervisor.py``): bulk reassign and rejecting redress."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from safeguard.accounts.models import Department
from safeguard.cases import selectors
from safeguard.cases.forms.queue import DepartmentChoiceField

# One submit reassigns at most this many cases (each is its own transaction).
MAX_CASES = 200
MAX_REASON = 2000


class CaseVersionsField(forms.Field):
    """Cases ticked in a list, each sent as ``REFERENCE@VERSION``: the version the page showed, so a
    case that changed since is refused (``StaleCase``) instead of being reassigned blindly."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one case."),
        "invalid": _("“%(value)s” is not a case reference with its version."),
        "too_many": _("Select at most %(limit)d cases at a time."),
    }

    def to_python(self, value: Any) -> list[tuple[str, int]]:
        items = [value] if isinstance(value, str) else list(value or [])
        picked: dict[str, int] = {}
        for item in items:
            reference, sep, version = str(item).strip().rpartition("@")
            if not (sep and 0 < len(reference) <= 20 and version.isascii() and version.isdigit() and len(version) <= 9):
                raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": str(item)[:40]})
            picked[reference.upper()] = int(version)
        if len(picked) > MAX_CASES:
            raise ValidationError(self.error_messages["too_many"], code="too_many", params={"limit": MAX_CASES})
        return list(picked.items())


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class BulkReassignForm(forms.Form):
    case = CaseVersionsField(label=_("Cases"))
    assignee = StaffChoiceField(
        label=_("New assignee"),
        queryset=selectors.assignable_staff(),
        required=False,
        empty_label=_("Nobody (leave unassigned)"),
    )
    department = DepartmentChoiceField(
        label=_("New department"),
        queryset=Department.objects.filter(is_active=True).order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("Keep each case's department"),
    )
    # Where to come back to (the queue with its filters); checked against the host before use.
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("assignee") and not data.get("department") and not self.has_error("assignee"):
            raise ValidationError(_("Choose a new assignee, a new department or both."), code="nothing_to_do")
        return data


class RejectRedressForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"), max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
