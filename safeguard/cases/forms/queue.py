"""The queue's filter form (``views/queue.py``). Its state lives in the URL: the form reads ``GET``.

Every value is checked here, so a hand-edited URL gets a form error, never a 500. The cleaned form
becomes a ``selectors.QueueFilter``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from safeguard.accounts.models import Department, User
from safeguard.cases import selectors
from safeguard.cases.models import OPEN_STATUSES, CaseType, Channel, Product, Status

# Offset pagination reads every row before the page: deep pages are for narrower filters.
MAX_PAGE = 1000
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Years a deadline can have; also keeps the arithmetic clear of datetime's limits.
_YEARS = range(2000, 2200)

SORTS = [
    ("due", _("Nearest deadline")),
    ("newest", _("Newest received")),
    ("oldest", _("Oldest received")),
]
ME = "me"
UNASSIGNED = "unassigned"


def _is_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 18


def _in_chinese() -> bool:
    return (get_language() or "").startswith("zh")


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name_zh if _in_chinese() and obj.name_zh else obj.name


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name(get_language() or "en"))


class DueBeforeField(forms.CharField):
    """A date or a date and time in the institution's zone (an explicit offset is kept).

    A date counts the whole day: "due before 2026-03-06" lists what is due by the end of that day.
    """

    default_error_messages = {
        "invalid": _("Enter a date (2026-03-06) or a date and time (2026-03-06 18:00)."),
        "range": _("Enter a date between 2000 and 2199."),
    }

    def to_python(self, value: Any) -> datetime | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        zone = timezone.get_default_timezone()
        try:
            if _DATE.fullmatch(text):
                day = date.fromisoformat(text)
                self._check_year(day.year)
                return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        self._check_year(moment.year)
        return moment if timezone.is_aware(moment) else moment.replace(tzinfo=zone)

    def _check_year(self, year: int) -> None:
        if year not in _YEARS:
            raise ValidationError(self.error_messages["range"], code="range")


@dataclass(frozen=True)
class Control:
    """One filter as ``queue.html`` draws it: plain strings and ``(value, label, selected)`` options.

    Django's widget templates render every ``<option>`` through its own template (most of the
    queue's CPU time); the page draws these with a plain loop instead, with the same markup: a
    ``<label for>``, the help text and errors tied to the control by ``aria-describedby``, and
    ``aria-invalid`` on a control with errors.
    """

    name: str
    id: str
    label: str
    help_text: str
    describedby: str
    errors: ErrorList
    kind: str  # "text", "select" or "checkboxes"
    value: str = ""
    maxlength: int | None = None
    options: tuple[tuple[str, str, bool], ...] = ()


def control(bf: forms.BoundField, *, choices: list[tuple[Any, Any]] | None = None) -> Control:
    """``bf`` as a ``Control``; ``choices`` replaces the field's own (already fetched ones)."""
    widget = bf.field.widget
    common: dict[str, Any] = {
        "name": bf.html_name,
        "id": bf.auto_id,
        "label": str(bf.label),
        "help_text": str(bf.help_text),
        "describedby": bf.aria_describedby or "",
        "errors": bf.errors,
    }
    if isinstance(widget, forms.Select | forms.CheckboxSelectMultiple):
        chosen = {str(v) for v in widget.format_value(bf.value())}
        if choices is None:
            # A model field's choices come from its queryset: one query (``iter`` keeps ``list`` from
            # asking the iterator's ``len``, a COUNT). Others come from the widget.
            field = bf.field
            source: Any = field.choices if isinstance(field, forms.ModelChoiceField) else widget.choices
            choices = list(iter(source))
        options: list[tuple[str, str, bool]] = []
        any_selected = False
        for value, label in choices:
            text = str(getattr(value, "value", value))
            # Like Django's Select: only the first option with the chosen value is selected.
            selected = text in chosen and (widget.allow_multiple_selected or not any_selected)
            any_selected = any_selected or selected
            options.append((text, str(label), selected))
        kind = "checkboxes" if isinstance(widget, forms.CheckboxSelectMultiple) else "select"
        return Control(**common, kind=kind, options=tuple(options))
    value = widget.format_value(bf.value())
    return Control(
        **common, kind="text", value="" if value is None else str(value), maxlength=widget.attrs.get("maxlength")
    )


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Reference, subject or description. A whole reference finds that case whatever the filters say."),
    )
    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the open statuses."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=[("", _("Any type")), *CaseType.choices], required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", _("Any channel")), *Channel.choices], required=False)
    product = ProductChoiceField(
        label=_("Product"),
        queryset=Product.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("Any product"),
        required=False,
    )
    department = DepartmentChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("Any department"),
        required=False,
    )
    assignee = forms.CharField(label=_("Assignee"), required=False, widget=forms.Select)
    breached = forms.ChoiceField(
        label=_("Breached"),
        choices=[("", _("Breached or not")), ("yes", _("Breached")), ("no", _("Not breached"))],
        required=False,
    )
    due_before = DueBeforeField(
        label=_("Due before"),
        required=False,
        help_text=_("A date (the whole day counts) or a date and time, e.g. 2026-03-06 18:00."),
    )
    vulnerable = forms.ChoiceField(
        label=_("Customer"),
        choices=[("", _("All customers")), ("yes", _("Vulnerable customers only"))],
        required=False,
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)
    page = forms.IntegerField(min_value=1, max_value=MAX_PAGE, required=False, widget=forms.HiddenInput)

    def __init__(self, data: QueryDict, *, user: User) -> None:
        values = data.copy()
        if not values.getlist("status"):
            values.setlist("status", [str(s) for s in OPEN_STATUSES])
        super().__init__(values, label_suffix="")
        self.user = user
        # One query for the assignee choices; an id not offered (an inactive handler) is still accepted.
        staff = [(str(u.pk), u.get_full_name() or u.get_username()) for u in selectors.assignable_staff()]
        self.staff = staff  # also the bulk reassign form's assignees (views/queue.py)
        self.fields["assignee"].widget.choices = [
            ("", _("Anyone")),
            (ME, _("Me")),
            (UNASSIGNED, _("Unassigned")),
            *staff,
        ]

    def controls(self) -> dict[str, Control]:
        """Every visible filter by name, ready for the template (see ``Control``)."""
        return {bf.name: control(bf) for bf in self.visible_fields()}

    def clean_assignee(self) -> str:
        value: str = self.cleaned_data["assignee"]
        if value in ("", ME, UNASSIGNED):
            return value
        if not _is_id(value) or not User.objects.filter(pk=int(value)).exists():
            raise ValidationError(_("Choose an assignee from the list."), code="invalid_choice")
        return value

    def to_filter(self) -> selectors.QueueFilter:
        data = self.cleaned_data
        assignee: str = data["assignee"]
        return selectors.QueueFilter(
            statuses=tuple(data["status"]) or OPEN_STATUSES,
            type=data["type"],
            channel=data["channel"],
            product_id=data["product"].pk if data["product"] else None,
            department_id=data["department"].pk if data["department"] else None,
            breached={"yes": True, "no": False}.get(data["breached"]),
            due_before=data["due_before"],
            assignee_id=self.user.pk if assignee == ME else (int(assignee) if _is_id(assignee) else None),
            unassigned=assignee == UNASSIGNED,
            vulnerable=data["vulnerable"] == "yes",
            q=data["q"],
            sort=data["sort"] or "due",
        )

    @property
    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1
