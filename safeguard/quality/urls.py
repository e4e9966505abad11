"""Pages of the quality app (namespace ``quality``); see ``views/__init__.py``."""

from safeguard.quality.views import alerts, dashboard, reports

app_name = "quality"

urlpatterns = [*dashboard.urlpatterns, *alerts.urlpatterns, *reports.urlpatterns]
