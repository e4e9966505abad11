"""``demo_loaded`` is sent by ``load_demo`` after the cases are in, so the apps above ``cases``
(surveys, quality) can add their own demo data without ``cases`` importing them. Receivers get
``seed`` (int), ``bulk`` (bool) and ``say`` (a callable that prints a line)."""

from django.dispatch import Signal

demo_loaded = Signal()
