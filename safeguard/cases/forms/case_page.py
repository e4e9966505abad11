"""Forms of the case page (``views/case_page.py``): one per action, each carrying the case version.

Every action form has a hidden ``version``: the ``Case.version`` the page was rendered with, so a
save made on a page that has since gone stale is refused (``StaleCase``) instead of overwriting.
Each form has its own prefix, so the ids of the many forms on one page never clash.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from safeguard.accounts.models import Department, User
from safeguard.cases.models import Outcome, Redress, RootCause, Status
from safeguard.core.money import CURRENCIES
from safeguard.customers.services import MAX_REASON

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_TEXT = 20_000


def holders_of(perm: str) -> QuerySet[User]:
    """Active users holding ``perm`` ("app.codename") directly or through a role, by username."""
    app_label, codename = perm.split(".", 1)
    holds = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label) | Q(
        user_permissions__codename=codename, user_permissions__content_type__app_label=app_label
    )
    return User.objects.filter(holds, is_active=True).distinct().order_by("username")


class UserChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


def _text(
    label: StrOrPromise, *, rows: int = 4, required: bool = True, help_text: StrOrPromise = ""
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class CaseActionForm(forms.Form):
    """The version of the case the user saw; every action form has it."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ReplyForm(CaseActionForm):
    prefix = "reply"

    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = _text(_("Reply to the customer"), rows=8)


class NoteForm(CaseActionForm):
    prefix = "note"

    body = _text(_("Internal note"), help_text=_("Only staff see internal notes; the customer never does."))


class MoveForm(CaseActionForm):
    """The one-click moves (acknowledge, investigate, await the customer, close): the button says where to."""

    prefix = "move"

    to = forms.ChoiceField(choices=Status.choices)


class ReopenForm(CaseActionForm):
    prefix = "reopen"

    reason = _text(_("Why is the case reopened?"), rows=3)


class WithdrawForm(CaseActionForm):
    prefix = "withdraw"

    reason = _text(_("Why does the customer withdraw?"), rows=3)


class ReferForm(CaseActionForm):
    prefix = "refer"

    body = _text(_("What was sent to the ombudsman or regulator, and why"), rows=3)
    reference = forms.CharField(label=_("Their reference (if known)"), max_length=120, required=False)


class MergeForm(CaseActionForm):
    """Merge this case (a duplicate) into another case of the same customer, which carries on."""

    prefix = "merge"

    into = forms.CharField(
        label=_("Reference of the case to merge into"),
        max_length=20,
        help_text=_("A case of the same customer that is still handled, e.g. CMP-2026-000123."),
    )
    note = _text(_("Why is it a duplicate? (optional)"), rows=2, required=False)

    def clean_into(self) -> str:
        value: str = self.cleaned_data["into"]
        return value.strip().upper()


class AssignForm(CaseActionForm):
    prefix = "assign"

    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("name"), label=_("Department"), required=False, empty_label="—"
    )
    assignee = UserChoiceField(
        queryset=User.objects.none(), label=_("Assignee"), required=False, empty_label=_("Unassigned")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = holders_of("cases.work_case")


class TakeForm(CaseActionForm):
    """An agent takes an unassigned case of their own department."""

    prefix = "take"


class PauseForm(CaseActionForm):
    prefix = "pause"

    reason = _text(_("Why is the clock paused?"), rows=2)


class ResumeForm(CaseActionForm):
    prefix = "resume"


class ExtendForm(CaseActionForm):
    prefix = "extend"

    name = forms.ChoiceField(label=_("Extension"), choices=())
    reason = _text(_("Why is the deadline extended?"), rows=2)
    approver = UserChoiceField(
        queryset=User.objects.none(),
        label=_("Approved by"),
        required=False,
        help_text=_("Needed for extensions that need a senior colleague's approval."),
    )
    notice_sent = forms.BooleanField(label=_("The customer has been told about the extension and why"), required=False)

    def __init__(self, *args: Any, extensions: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name = self.fields["name"]
        assert isinstance(name, forms.ChoiceField)
        name.choices = list(extensions)
        approver = self.fields["approver"]
        assert isinstance(approver, forms.ModelChoiceField)
        approver.queryset = holders_of("cases.approve_special_extension")


class ResolveForm(CaseActionForm):
    prefix = "resolve"

    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *Outcome.choices])
    root_cause = forms.ModelChoiceField(
        queryset=RootCause.objects.filter(is_active=True).order_by("name"), label=_("Root cause"), empty_label="—"
    )
    decision_basis = _text(
        _("Decision basis"), rows=3, help_text=_("The facts, terms and rules the decision rests on.")
    )
    reasons = _text(_("Reasons"), rows=3, help_text=_("Why this outcome, in words the customer understands."))
    remedies = _text(
        _("Remedies open to the customer"),
        rows=2,
        help_text=_("Where the customer can go if they disagree: the ombudsman, the regulator, the courts."),
    )
    apology_given = forms.BooleanField(label=_("Apology given"), required=False)

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        # The redress lines travel with the decision: one form to the user, one call to ``resolve``.
        self.redress = RedressFormSet(data, prefix=REDRESS_PREFIX)

    def is_valid(self) -> bool:
        form_ok = super().is_valid()
        return self.redress.is_valid() and form_ok

    def redress_items(self) -> list[dict[str, Any]]:
        return [item for line in self.redress.forms if (item := line.redress()) is not None]


class RedressLineForm(forms.Form):
    """One optional redress line of the resolution; a blank line is ignored."""

    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *Redress.Kind.choices], required=False)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal(0), required=False
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[(c, c) for c in CURRENCIES], initial="CNY", required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") and data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Give the amount of this redress."))
        if data.get("amount") is not None and not data.get("kind"):
            self.add_error("kind", _("Choose the kind of this redress."))
        if data.get("note") and not data.get("kind") and data.get("amount") is None:
            self.add_error("kind", _("Choose the kind of this redress."))
        return data

    def redress(self) -> dict[str, Any] | None:
        """The line as ``services.resolve`` takes it, or None when the line was left blank."""
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        currency = data.get("currency") or "CNY"
        return {"kind": data["kind"], "amount": data["amount"], "currency": currency, "note": data["note"]}


RedressFormSet = forms.formset_factory(RedressLineForm, extra=3, max_num=10, validate_max=True)
REDRESS_PREFIX = "redress"


class RevealForm(forms.Form):
    """Reveal one personal-data field of the case's customer (the field is in the URL and the
    prefix: ``reveal-<field>``); the reason goes to the audit log."""

    reason = forms.CharField(label=_("Reason for revealing"), max_length=MAX_REASON)

    def __init__(self, *args: Any, field: str, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs["prefix"] = f"reveal-{field}"
        super().__init__(*args, **kwargs)
        self.pii_field = field
