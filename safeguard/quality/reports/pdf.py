"""A ``Document`` as PDF: the HTML template ``quality/reports/document.html`` printed by WeasyPrint.

Chinese text needs a CJK font: the stylesheet asks for "Noto Sans CJK SC" (Debian's
``fonts-noto-cjk``) and falls back to other common CJK fonts; without any of them Chinese prints
as empty boxes (``docs/quality.md`` says what to install). Nothing is fetched over the network:
the template links no external resource and the URL fetcher refuses every URL.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.template.loader import render_to_string
from django.utils import timezone, translation

from safeguard.quality.reports.document import Document, shown

TEMPLATE = "quality/reports/document.html"


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"reports fetch no resources ({url[:60]})")


def html(document: Document) -> str:
    with translation.override(document.language):
        return render_to_string(
            TEMPLATE,
            {
                "doc": document,
                "tables": [shown(t) for t in document.tables],
                "generated": timezone.localtime(document.generated_at).strftime("%Y-%m-%d %H:%M"),
            },
        )


def render_pdf(document: Document) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango takes a moment, only reports need it

    pdf = HTML(string=html(document), url_fetcher=_no_fetch).write_pdf()
    assert pdf is not None  # write_pdf without a target returns the bytes
    return bytes(pdf)
