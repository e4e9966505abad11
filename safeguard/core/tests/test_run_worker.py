from django.conf import settings
from django.utils.module_loading import import_string

from safeguard.core.management.commands.run_worker import due


def test_every_task_runs_at_start_then_after_its_interval():
    intervals = [60, 3600]
    assert due(intervals, {}, now=1000.0) == [0, 1]
    last = {0: 1000.0, 1: 1000.0}
    assert due(intervals, last, now=1059.0) == []
    assert due(intervals, last, now=1060.0) == [0]
    assert due(intervals, last, now=4600.0) == [0, 1]


def test_every_configured_periodic_task_is_an_enqueueable_task():
    for path, every in settings.SAFEGUARD_PERIODIC_TASKS:
        assert hasattr(import_string(path), "enqueue"), path
        assert int(every) > 0
