"""Pages of the intake app (namespace ``intake``); see ``views/__init__.py``."""

from safeguard.intake.views import contact, errors, portal, tracking

app_name = "intake"

urlpatterns = [*portal.urlpatterns, *tracking.urlpatterns, *contact.urlpatterns, *errors.urlpatterns]
