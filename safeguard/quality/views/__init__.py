"""Pages of the quality app: the dashboard (``dashboard``), early-warning alerts (``alerts``) and
reports (``reports``); each module lists its own ``urlpatterns``."""
