"""Staff log a phone call or a branch visit (``/intake/contact/``).

The contact becomes a case through ``intake.services.submit``, the service every channel shares.
The form checks what it can before anything is written (the time of receipt, the contact details,
the files); whatever the service still refuses comes back onto the field it names.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from safeguard.accounts.models import Department, User
from safeguard.cases.access import department_scope, sees_every_department
from safeguard.cases.models import Case, CaseType, Channel, Product
from safeguard.cases.views.attachments import MultipleFileField, attachments_help
from safeguard.core.errors import InvalidInput
from safeguard.customers import rules as customer_rules
from safeguard.customers.services import clean_pii

MAX_TEXT = 20_000
# What <input type="datetime-local"> sends (seconds only when the browser's step allows them).
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DATETIME_INPUTS = [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
# A staff clock a little ahead of the server's is not an error (as in ``open_case``).
CLOCK_SKEW = timedelta(minutes=2)

# The service's field names -> this form's.
SERVICE_FIELDS = {
    "external_reference": "call_reference",
    "files": "attachments",
    "desired_outcome": "desired_outcome",
}

if TYPE_CHECKING:
    _ProductField = forms.ModelChoiceField[Product]
    _DepartmentField = forms.ModelChoiceField[Department]
else:  # Django's fields are not subscriptable at run time
    _ProductField = _DepartmentField = forms.ModelChoiceField


def institution_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_input_value(moment: datetime) -> str:
    """``moment`` as a datetime-local input shows it: wall-clock time in the institution's zone."""
    return moment.astimezone(institution_zone()).strftime(DATETIME_LOCAL)


class InstitutionDateTimeField(forms.DateTimeField):
    """A date and time typed as a wall-clock time in the institution's zone (not the browser's,
    not the active one), whatever zone the handler's computer is set to."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATETIME_INPUTS)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, str):
            value = value.strip()
            for fmt in self.input_formats or DATETIME_INPUTS:
                try:
                    parsed = datetime.strptime(value, str(fmt))  # the zone is set just below
                except ValueError:
                    continue
                return parsed.replace(tzinfo=institution_zone())
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        return local_input_value(value) if isinstance(value, datetime) else value


class ProductField(_ProductField):
    """Active products, named in the page's language."""

    def label_from_instance(self, obj: Product) -> str:
        return obj.name_zh if (get_language() or "").startswith("zh") and obj.name_zh else obj.name


class DepartmentField(_DepartmentField):
    def label_from_instance(self, obj: Department) -> str:
        return obj.display_name(get_language() or "en")


class ContactForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How did the customer contact us?"),
        choices=[(Channel.PHONE, Channel.PHONE.label), (Channel.BRANCH, Channel.BRANCH.label)],
        initial=Channel.PHONE,
        widget=forms.RadioSelect,
    )
    received_at = InstitutionDateTimeField(
        label=_("Received"),
        required=False,
        help_text=_(
            "When the call came in or the customer visited, in the institution's time zone. "
            "Keep the time shown if it is happening now."
        ),
    )
    call_reference = forms.CharField(
        label=_("Call or visit reference"),
        required=False,
        max_length=Case._meta.get_field("external_reference").max_length,
        help_text=_("The telephony system's call ID or the branch's visit number, if there is one."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    type = forms.ChoiceField(label=_("Type"), choices=CaseType.choices, initial=CaseType.COMPLAINT)
    name = forms.CharField(
        label=_("Customer's name"),
        max_length=customer_rules.MAX_NAME,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=30,
        help_text=_(
            "A phone number, an e-mail address, or both. An existing customer is matched only when the name matches too."
        ),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label=_("E-mail address"),
        required=False,
        max_length=customer_rules.MAX_EMAIL,
        widget=forms.TextInput(attrs={"type": "email", "spellcheck": "false", "autocomplete": "off"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Customer's preferred language"), choices=settings.LANGUAGES, initial="zh-hans"
    )
    product = ProductField(
        label=_("Product"),
        queryset=Product.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("Not known"),
    )
    department = DepartmentField(label=_("Department"), queryset=Department.objects.none(), required=False)
    description = forms.CharField(
        label=_("What happened"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("In the customer's words as far as possible: what happened, when, which account or policy."),
    )
    desired_outcome = forms.CharField(
        label=_("What the customer wants"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachments = MultipleFileField(label=_("Files"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["received_at"].initial = local_input_value(timezone.now())
        self.fields["received_at"].widget.attrs["max"] = local_input_value(timezone.now() + CLOCK_SKEW)
        self.fields["attachments"].help_text = attachments_help()
        self.fields["attachments"].widget.attrs["accept"] = ",".join(settings.SAFEGUARD_ATTACHMENT_TYPES)
        departments = Department.objects.filter(is_active=True).order_by("code")
        field = self.fields["department"]
        assert isinstance(field, DepartmentField)
        if sees_every_department(user):
            field.queryset = departments
            field.empty_label = _("Not routed yet")
        else:
            # The handler's own departments and those below them: a case filed elsewhere would
            # vanish from their view the moment it is saved.
            field.queryset = departments.filter(pk__in=department_scope(user))
            field.required = True
        own = list(user.departments.filter(is_active=True).order_by("code")[:2])
        if len(own) == 1:
            field.initial = own[0].pk

    def clean_received_at(self) -> datetime | None:
        value: datetime | None = self.cleaned_data.get("received_at")
        if value is not None and value > timezone.now() + CLOCK_SKEW:
            raise forms.ValidationError(_("The time of receipt cannot be in the future."), code="future")
        return value

    def clean_name(self) -> str:
        return self._pii("name")

    def clean_phone(self) -> str:
        return self._pii("phone")

    def clean_email(self) -> str:
        return self._pii("email")

    def _pii(self, field: str) -> str:
        """The value as the customer profile will store it (the same rules), or the rule's message."""
        value = (self.cleaned_data.get(field) or "").strip()
        if not value:
            return ""
        try:
            return str(clean_pii(field, value))
        except InvalidInput as exc:
            raise forms.ValidationError(exc.detail) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "phone" in data and "email" in data and not data["phone"] and not data["email"]:
            self.add_error("phone", _("Give the customer's phone number or e-mail address."))
        return data

    def submit_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``intake.services.submit`` (``by`` aside)."""
        data = self.cleaned_data
        files: list[UploadedFile] = data.get("attachments") or []
        return {
            "channel": data["channel"],
            "type": data["type"],
            "name": data["name"],
            "phone": data["phone"],
            "email": data["email"],
            "description": data["description"],
            "desired_outcome": data["desired_outcome"],
            "product": data["product"],
            "received_at": data["received_at"],
            "external_reference": data["call_reference"],
            "preferred_language": data["preferred_language"],
            "department": data["department"],
            "files": files,
        }

    def add_service_error(self, exc: InvalidInput) -> None:
        """Show a refusal of the service on the field it names (the form's own name for it)."""
        field = str(exc.extra.get("field") or "")
        name = SERVICE_FIELDS.get(field, field)
        self.add_error(name if name in self.fields else None, exc.detail)
