"""The public complaint and feedback form (``/portal/``).

It asks only what the institution does not already know. Values are checked with the same rules
the services apply (``customers.services.clean_pii``, ``cases.services.check_uploads``) so every
refusal is shown next to its field before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from safeguard.cases import services as cases
from safeguard.cases.models import CaseType, Product
from safeguard.core.errors import InvalidInput
from safeguard.customers.services import clean_pii

MAX_TEXT = 10_000


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type="file" multiple>``; cleans to a list (maybe empty)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def attachments_field() -> MultipleFileField:
    field = MultipleFileField(
        label=_("Files"),
        required=False,
        help_text=_("Up to %(count)d files of at most %(size)s each: PDF, images, text or office documents.")
        % {
            "count": settings.SAFEGUARD_ATTACHMENT_MAX_FILES,
            "size": filesizeformat(settings.SAFEGUARD_ATTACHMENT_MAX_BYTES),
        },
    )
    field.widget.attrs["accept"] = ",".join(settings.SAFEGUARD_ATTACHMENT_TYPES)
    return field


def check_files(files: Sequence[UploadedFile]) -> list[UploadedFile]:
    """``cases.services.check_uploads`` as a form error."""
    try:
        cases.check_uploads(files)
    except InvalidInput as exc:
        raise forms.ValidationError(exc.detail) from None
    return list(files)


if TYPE_CHECKING:
    _ModelChoiceField = forms.ModelChoiceField[Product]
else:  # Django's field is not subscriptable at run time
    _ModelChoiceField = forms.ModelChoiceField


class ProductChoiceField(_ModelChoiceField):
    """Active products, named in the page's language."""

    def label_from_instance(self, obj: Product) -> str:
        if (get_language() or "").startswith("zh") and obj.name_zh:
            return obj.name_zh
        return obj.name


@dataclass(frozen=True)
class SummaryItem:
    """One line of the error summary: the field's anchor ('' for a form-wide error) and the message."""

    anchor: str
    message: str


class ErrorSummaryMixin:
    """``error_summary`` lists every error with a link to the field (to its first radio button
    for a radio group), for the summary at the top of the page."""

    def error_summary(self) -> list[SummaryItem]:
        form: Any = self
        items = [SummaryItem("", str(message)) for message in form.non_field_errors()]
        for name in form.fields:
            bound = form[name]
            anchor = f"{bound.auto_id}_0" if bound.use_fieldset else bound.auto_id
            items.extend(SummaryItem(anchor, str(message)) for message in bound.errors)
        return items


class PortalForm(ErrorSummaryMixin, forms.Form):
    type = forms.ChoiceField(
        label=_("Is this a complaint or feedback?"),
        choices=[
            (CaseType.COMPLAINT, _("A complaint: something went wrong and I want it put right")),
            (CaseType.FEEDBACK, _("Feedback: a suggestion or comment")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Tell us whether this is a complaint or feedback.")},
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Please give your name.")},
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "email", "type": "email", "spellcheck": "false"}),
    )
    preferred_channel = forms.ChoiceField(
        label=_("How should we contact you?"),
        required=False,
        choices=[("email", _("By e-mail")), ("sms", _("By text message (SMS)"))],
        widget=forms.RadioSelect,
    )
    product = ProductChoiceField(
        label=_("Which product or service is it about?"),
        queryset=Product.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("I am not sure / something else"),
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Please tell us what happened, when, and which account or policy it concerns."),
        error_messages={"required": _("Please tell us what happened.")},
    )
    desired_outcome = forms.CharField(
        label=_("What would you like us to do?"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Honeypot: hidden from people by CSS, filled in by bots; a filled one is refused quietly.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = _("Give a phone number, an e-mail address, or both.")
        self.fields["attachments"] = attachments_field()

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())

    def clean_phone(self) -> str:
        return self._contact("phone")

    def clean_email(self) -> str:
        return self._contact("email")

    def _contact(self, field: str) -> str:
        value = self.cleaned_data.get(field, "")
        if not value.strip():
            return ""
        try:
            cleaned = clean_pii(field, value)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.detail) from None
        assert isinstance(cleaned, str)
        return cleaned

    def clean_attachments(self) -> list[UploadedFile]:
        return check_files(self.cleaned_data.get("attachments") or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        phone, email = data.get("phone"), data.get("email")
        if "phone" in data and "email" in data and not phone and not email:
            self.add_error("phone", _("Please give a phone number or an e-mail address."))
        preferred = data.get("preferred_channel")
        if preferred == "sms" and "phone" in data and not phone:
            self.add_error("phone", _("Give a mobile phone number if you would like text messages."))
        if preferred == "email" and "email" in data and not email:
            self.add_error("email", _("Give an e-mail address if you would like e-mails."))
        return data
