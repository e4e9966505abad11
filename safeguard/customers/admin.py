"""Customers in the admin: masked values and the profile only, never ciphertext or plaintext.

Every save goes through ``services.create_customer`` / ``services.update_customer``,
so PII is encrypted, masked, indexed and audited the one way. PII can be replaced
(the "new ..." inputs start empty and are never filled from the stored value), not
read; revealing a value is a separate, audited action outside the admin. Customers
are never deleted (cases refer to them with PROTECT).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from safeguard.core.errors import DomainError
from safeguard.customers import crypto, rules, services
from safeguard.customers.models import INDEXED_PII_FIELDS, PII_FIELDS, Customer, Vulnerability

_NEW_LABELS = {
    "name": _("New name"),
    "national_id": _("New national ID"),
    "phone": _("New phone"),
    "email": _("New e-mail"),
    "address": _("New address"),
    "account_numbers": _("New account numbers"),
}
_KEEP_HELP = _("Leave empty to keep the current value.")


class CustomerAdminForm(forms.ModelForm[Customer]):
    """Profile fields as usual; PII only as optional replacements, validated by the service's rules."""

    customer_no = forms.CharField(label=_("customer number"), max_length=40, required=False)
    vulnerabilities = forms.MultipleChoiceField(
        label=_("vulnerabilities"),
        choices=Vulnerability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_name = forms.CharField(label=_NEW_LABELS["name"], required=False, help_text=_KEEP_HELP)
    new_national_id = forms.CharField(label=_NEW_LABELS["national_id"], required=False, help_text=_KEEP_HELP)
    new_phone = forms.CharField(label=_NEW_LABELS["phone"], required=False, help_text=_KEEP_HELP)
    new_email = forms.CharField(label=_NEW_LABELS["email"], required=False, help_text=_KEEP_HELP)
    new_address = forms.CharField(
        label=_NEW_LABELS["address"], required=False, help_text=_KEEP_HELP, widget=forms.Textarea(attrs={"rows": 2})
    )
    new_account_numbers = forms.CharField(
        label=_NEW_LABELS["account_numbers"],
        required=False,
        help_text=_("One number per line. Leave empty to keep the current numbers."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Customer
        fields = [
            "vulnerabilities",
            "segment",
            "kyc_level",
            "risk_rating",
            "preferred_channel",
            "preferred_language",
            "has_contact_consent",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The number identifies the customer and never changes.
            del self.fields["customer_no"]
        else:
            self.fields["customer_no"].required = True
            for field in PII_FIELDS:
                self.fields[f"new_{field}"].help_text = ""
        self.service_pii: dict[str, Any] = {}
        self.service_profile: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        profile = {f: data[f] for f in services.PROFILE_FIELDS if f in data}
        pii: dict[str, Any] = {}
        for field in PII_FIELDS:
            raw = (data.get(f"new_{field}") or "").strip()
            if raw:
                pii[field] = raw.splitlines() if field == "account_numbers" else raw
        try:
            if "customer_no" in self.fields and data.get("customer_no"):
                data["customer_no"] = rules.clean_customer_no(data["customer_no"])
            for field, value in pii.items():
                services.clean_pii(field, value)
            services.clean_profile(profile)
        except DomainError as exc:
            field_name = str(exc.extra.get("field", ""))
            target = f"new_{field_name}" if field_name in PII_FIELDS else field_name
            self.add_error(target if target in self.fields else None, exc.detail)
        self.service_pii = pii
        self.service_profile = profile
        return data


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin[Customer]):
    form = CustomerAdminForm
    list_display = (
        "customer_no",
        "name_masked",
        "phone_masked",
        "segment",
        "kyc_level",
        "risk_rating",
        "vulnerable",
        "has_contact_consent",
    )
    list_filter = ("segment", "kyc_level", "risk_rating", "has_contact_consent", "preferred_channel")
    search_fields = ("customer_no",)
    search_help_text = _("Customer number, or an exact phone number, national ID or e-mail address.")
    readonly_fields = (
        "name_masked",
        "national_id_masked",
        "phone_masked",
        "email_masked",
        "address_masked",
        "account_numbers_display",
        "consent_updated_at",
        "created_at",
        "updated_at",
    )
    actions = None

    def get_fieldsets(self, request: HttpRequest, obj: Customer | None = None) -> Any:
        pii_rows: list[Any] = [("name_masked", "new_name"), ("national_id_masked", "new_national_id")]
        pii_rows += [("phone_masked", "new_phone"), ("email_masked", "new_email")]
        pii_rows += [("address_masked", "new_address"), ("account_numbers_display", "new_account_numbers")]
        if obj is None:
            pii_rows = [f"new_{f}" for f in PII_FIELDS]
        profile = ["segment", "kyc_level", "risk_rating", "vulnerabilities"]
        contact = ["preferred_channel", "preferred_language", "has_contact_consent"]
        if obj is not None:
            contact.append("consent_updated_at")
        if obj is None:
            return [
                (None, {"fields": ["customer_no"]}),
                (_("Personal data"), {"fields": pii_rows}),
                (_("Profile"), {"fields": profile}),
                (_("Contact"), {"fields": contact}),
            ]
        return [
            (_("Personal data (masked)"), {"fields": pii_rows}),
            (_("Profile"), {"fields": profile}),
            (_("Contact"), {"fields": contact}),
            (_("Record"), {"fields": ["created_at", "updated_at"]}),
        ]

    @admin.display(description=_("account numbers"))
    def account_numbers_display(self, customer: Customer) -> str:
        return ", ".join(customer.account_numbers_masked)

    @admin.display(description=_("vulnerable"), boolean=True)
    def vulnerable(self, customer: Customer) -> bool:
        return customer.is_vulnerable

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            by_index = Q()
            for field in INDEXED_PII_FIELDS:
                by_index |= Q(**{f"{field}_index": crypto.blind_index(term, field=field)})
            results = results | queryset.filter(by_index)
        return results, may_have_duplicates

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        if change:
            services.update_customer(customer=obj, by=request.user, **form.service_pii, **form.service_profile)
        else:
            created = services.create_customer(
                by=request.user,
                customer_no=form.cleaned_data["customer_no"],
                **form.service_pii,
                **form.service_profile,
            )
            obj.pk = created.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
