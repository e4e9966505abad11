"""Staff pages of the cases app, one module per page family:

* ``home`` — the handler's landing page;
* ``queue`` — the queue (``/queue/``);
* ``case_page`` — the case page and its actions (``/cases/<reference>/...``);
* ``attachments`` — upload and permission-checked download of case files;
* ``supervisor`` — load per handler, breached and due-soon lists, bulk reassign, redress approvals.

Each module exports ``urlpatterns``; ``cases/urls.py`` joins them.
"""
