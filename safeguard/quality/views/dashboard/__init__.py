"""The service-quality dashboard (``/quality/``), its sections, the drill-down and the exports.

* ``dashboard``: the filter, a tile per KPI (value, numerator/denominator, the previous period,
  each commitment's traffic light), the breakdown of one KPI and the latest survey comments.
* ``breakdown`` and ``trends``: sections fetched by htmx (``breakdown`` when another grouping is
  picked; ``trends``, the month and week series, after the page has loaded, so the page itself
  stays fast). Without JavaScript ``trends`` is a page of its own, linked from the dashboard.
* ``cases``: the cases behind one number (``kpis.cases_behind``), masked, a page at a time.
* ``export_figures`` and ``export_cases``: CSV and XLSX of the same (``exports``).

Every number comes from ``quality.kpis`` with ``user=request.user`` (department scope), each KPI
once per request; the page repeats them in ``data-raw`` attributes and JSON data islands, which
is what the tests compare with the engine and the API. The charts (``static/quality/
dashboard.js``, ECharts) read the islands; each chart has a table with the same numbers.

Modules: ``pages`` (the views and their URLs), ``figures`` (the engine's figures as the page
shows them: units, traffic lights, tiles, series), ``comments`` (the survey comments panel) and
``access`` (who may see what).
"""

from safeguard.quality.views.dashboard.pages import urlpatterns

__all__ = ["urlpatterns"]
