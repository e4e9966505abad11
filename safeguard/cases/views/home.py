"""The handler's landing page: their workload and the open cases due next."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from safeguard.cases import selectors
from safeguard.cases.models import OPEN_STATUSES

NEAREST = 15


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The handler's landing page: their workload and the open cases due next."""
    now = timezone.now()
    context = {
        "workload": selectors.workload(request.user, now=now, due_soon_hours=settings.SAFEGUARD_DUE_SOON_HOURS),
        "due_next": selectors.case_list(request.user, status=OPEN_STATUSES)[:NEAREST],
        "now": now,
        "due_soon_until": now + timedelta(hours=settings.SAFEGUARD_DUE_SOON_HOURS),
        "due_soon_hours": settings.SAFEGUARD_DUE_SOON_HOURS,
    }
    return render(request, "cases/home.html", context)
