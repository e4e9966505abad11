"""Staff pages of the cases app (namespace ``cases``); see ``views/__init__.py``."""

from safeguard.cases.views import attachments, case_page, queue, supervisor

app_name = "cases"

urlpatterns = [*queue.urlpatterns, *case_page.urlpatterns, *attachments.urlpatterns, *supervisor.urlpatterns]
