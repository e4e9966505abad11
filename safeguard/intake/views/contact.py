"""Staff log a phone call or a branch visit as a case (``/intake/contact/``, ``log_contact``).

Needs ``cases.add_case``. The case is opened through ``intake.services.submit``, the service every
channel shares, with the back-dated time of receipt and the call reference; on success the handler
lands on the new case with its reference to read out to the customer.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.cases.access import ensure_can
from safeguard.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from safeguard.intake import services
from safeguard.intake.forms.contact import ContactForm

ADD_PERM = "cases.add_case"


@login_required
def log_contact(request: HttpRequest) -> HttpResponse:
    user: User = ensure_can(request.user, ADD_PERM)
    posted = request.method == "POST"
    form = ContactForm(request.POST, request.FILES, user=user) if posted else ContactForm(user=user)
    if posted and form.is_valid():
        try:
            case = services.submit(by=user, **form.submit_arguments())
        except InvalidInput as exc:
            form.add_service_error(exc)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:  # e.g. a deadline that needs a calendar year nobody loaded
            form.add_error(None, exc.detail)
        else:
            messages.success(
                request,
                _("Case %(reference)s recorded. Give the customer this reference.") % {"reference": case.reference},
            )
            return redirect("cases:detail", reference=case.reference)
    status = 422 if form.is_bound else 200
    return render(request, "intake/contact.html", {"form": form}, status=status)


urlpatterns = [path("intake/contact/", log_contact, name="log_contact")]
