"""Forms of the tracking pages (``/portal/track/``): reference, code, reply, withdrawal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from safeguard.intake.forms.portal import MAX_TEXT, ErrorSummaryMixin, attachments_field, check_files
from safeguard.intake.tracking import CODE_DIGITS, normalise_code, normalise_reference


class ReferenceForm(ErrorSummaryMixin, forms.Form):
    reference = forms.CharField(
        label=_("Your reference"),
        max_length=40,
        help_text=_("It is on the confirmation page and in our messages, e.g. CMP-2026-000123."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
        error_messages={"required": _("Please enter your reference.")},
    )

    def clean_reference(self) -> str:
        return normalise_reference(self.cleaned_data["reference"])


class CodeForm(ErrorSummaryMixin, forms.Form):
    code = forms.CharField(
        label=_("One-time code"),
        max_length=20,
        help_text=_("The 6 digits we sent you."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Please enter the code we sent you.")},
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != CODE_DIGITS:
            raise forms.ValidationError(_("The code has %(digits)d digits.") % {"digits": CODE_DIGITS})
        return code


class ReplyForm(ErrorSummaryMixin, forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Please write your message.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = attachments_field()

    def clean_attachments(self) -> list[UploadedFile]:
        return check_files(self.cleaned_data.get("attachments") or [])


class WithdrawForm(ErrorSummaryMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please tell us why you are withdrawing.")},
    )
    confirm = forms.BooleanField(
        label=_("Yes, withdraw my complaint. I understand that you will stop working on it."),
        error_messages={"required": _("Please confirm that you want to withdraw.")},
    )
    # The case version the customer saw: a change since then is shown, not overwritten.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
