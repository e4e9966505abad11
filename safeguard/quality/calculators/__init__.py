"""KPI calculators, registered by name: ``Kpi.calculator`` names one, ``Kpi.params`` tunes it.

Each computes numerator, denominator and value over a period and a grouping with one GROUP BY
query (``base``); the periods each KPI counts are explained in ``cases`` and docs/quality.md.
"""

from safeguard.quality.calculators import cases, surveys
from safeguard.quality.calculators.base import Calculator, Query, Row

CALCULATORS: dict[str, Calculator] = {**cases.CALCULATORS, **surveys.CALCULATORS}

__all__ = ["CALCULATORS", "Calculator", "Query", "Row"]
