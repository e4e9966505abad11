"""Pages of the intake app:

* ``portal`` — the public complaint and feedback form and its confirmation (``/portal/``);
* ``tracking`` — the customer follows a case with a one-time code (``/portal/track/``);
* ``contact`` — staff log a phone call or a branch visit (``/intake/contact/``).
"""
