from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _code_field(help_text: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class CodeForm(forms.Form):
    code = _code_field(_("The six-digit code from your authenticator app, or one of your backup codes."))


class EnrolForm(forms.Form):
    code = _code_field(_("The six-digit code your authenticator app shows now."))


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("What the token is for, e.g. the mobile app's back end."),
    )
