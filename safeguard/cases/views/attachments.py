"""Case files: staff upload and the permission-checked download.

* ``POST cases/<reference>/attachments/`` (``attachment_upload``): one or more files, all or none.
  With htmx it answers the refreshed ``cases/partials/attachments.html``; without JavaScript it
  redirects to the case page with a message.
* ``GET cases/<reference>/attachments/<pk>/`` (``attachment_download``): the bytes as a download
  (``Content-Disposition: attachment``, the type detected at upload, ``nosniff``), audited.

A case the user may not see, and an attachment of another case, are 404. The case page includes
the partial with ``attachment_context(request, case)``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from safeguard.cases import selectors, services
from safeguard.cases.access import can_see, ensure_can
from safeguard.cases.models import Attachment, Case
from safeguard.cases.services.attachments import allowed_types_label, human_size
from safeguard.cases.states import WORK_PERM
from safeguard.core.errors import InvalidInput, NotFound

PARTIAL = "cases/partials/attachments.html"
# Ids of the upload form's inputs, distinct from the other forms of the case page.
AUTO_ID = "id_attachment_%s"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked from its bytes (``services.check_uploads``)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        try:
            services.check_uploads(files)
        except InvalidInput as exc:
            raise ValidationError(exc.detail, code="invalid_attachment") from exc
        return files


def attachments_help() -> str:
    """The limits, for the help text of every attachment input."""
    return str(
        _("Up to %(count)d files, %(size)s each: %(types)s.")
        % {
            "count": settings.SAFEGUARD_ATTACHMENT_MAX_FILES,
            "size": human_size(settings.SAFEGUARD_ATTACHMENT_MAX_BYTES),
            "types": allowed_types_label(),
        }
    )


class AttachmentForm(forms.Form):
    attachments = MultipleFileField(label=_("Add files"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attachments"]
        field.help_text = attachments_help()
        field.widget.attrs["accept"] = ",".join(settings.SAFEGUARD_ATTACHMENT_TYPES)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def attachment_context(
    request: HttpRequest, case: Case, form: AttachmentForm | None = None, notice: str = ""
) -> dict[str, Any]:
    """What ``cases/partials/attachments.html`` needs besides ``case``: the files, the upload form,
    whether this user may upload, and a notice after an htmx upload."""
    return {
        "attachments": list(case.attachments.select_related("uploaded_by").order_by("created_at", "id")),
        "attachment_form": form or AttachmentForm(auto_id=AUTO_ID),
        "attachment_can_upload": request.user.has_perm(WORK_PERM) and can_see(request.user, case),
        "attachment_notice": notice,
    }


@login_required
@require_POST
def upload(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    user = ensure_can(request.user, WORK_PERM, case)
    form = AttachmentForm(request.POST, request.FILES, auto_id=AUTO_ID)
    if form.is_valid():
        try:
            added = services.add_attachments(
                case=case, by=user, files=form.cleaned_data["attachments"], source=Attachment.Source.STAFF
            )
        except InvalidInput as exc:
            form.add_error("attachments", exc.detail)
        else:
            notice = ngettext("%(count)d file added.", "%(count)d files added.", len(added)) % {"count": len(added)}
            if request.htmx:
                return render(request, PARTIAL, {"case": case, **attachment_context(request, case, notice=notice)})
            messages.success(request, notice)
            return redirect("cases:detail", reference=case.reference)
    if request.htmx:
        # 200, not 422: htmx swaps only successful answers, and the form must show its errors.
        return render(request, PARTIAL, {"case": case, **attachment_context(request, case, form)})
    for error in form.errors.get("attachments", []):
        messages.error(request, str(error))
    return redirect("cases:detail", reference=case.reference)


@login_required
@require_GET
def download(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    case = selectors.case_for(request.user, reference)
    attachment = Attachment.objects.filter(pk=pk, case=case).select_related("case").first()
    if attachment is None:
        raise NotFound(str(_("No such file on this case.")))
    handle = services.open_attachment(attachment=attachment, by=request.user)
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Opened in a tab after all, the file can run nothing and reach nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


urlpatterns = [
    path("cases/<str:reference>/attachments/", upload, name="attachment_upload"),
    path("cases/<str:reference>/attachments/<int:pk>/", download, name="attachment_download"),
]
