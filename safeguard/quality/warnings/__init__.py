"""Early warning: unusual numbers of complaints per series, and new themes of complaint text.

* ``detectors`` — the statistical control method, pure numpy over daily counts (no ORM, no clock);
* ``themes`` — new text clusters against a baseline, pure scikit-learn over texts;
* ``series`` — the database side: daily complaint counts per dimension, the cases behind a change;
* ``scan`` — the daily scan: claims the day's ``WarningRun``, raises ``Alert`` rows through
  ``quality.services.alerts`` and mails the compliance officers;
* ``selectors`` — reading alerts for the pages (the access choke point for ``Alert``);
* ``evaluation`` — synthetic streams with injected spikes, for ``manage.py warning_eval``.

See docs/quality.md, section "Early warning".
"""
