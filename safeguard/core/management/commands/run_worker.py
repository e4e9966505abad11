import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "Run the task worker and the periodic scheduler together (the laptop set-up). "
        "At scale run one `run_worker --scheduler-only` and as many `db_worker` processes as needed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scheduler-only", action="store_true", help="Only enqueue periodic tasks.")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        scheduler = threading.Thread(target=_schedule, args=(stop,), daemon=True, name="scheduler")
        scheduler.start()
        try:
            if options["scheduler_only"]:
                scheduler.join()
            else:
                # No autoreload: the reloader would start a second scheduler in its child process.
                call_command("db_worker", reload=False)
        finally:
            stop.set()


def due(intervals: list[int], last_run: dict[int, float], now: float) -> list[int]:
    """Indexes of the periodic tasks whose interval has passed (never run: due at once)."""
    return [i for i, every in enumerate(intervals) if i not in last_run or now - last_run[i] >= every]


def _schedule(stop: threading.Event) -> None:
    """Enqueue each periodic task from SAFEGUARD_PERIODIC_TASKS when its interval has passed."""
    tasks = [import_string(path) for path, _every in settings.SAFEGUARD_PERIODIC_TASKS]
    intervals = [int(every) for _path, every in settings.SAFEGUARD_PERIODIC_TASKS]
    last_run: dict[int, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        for i in due(intervals, last_run, now):
            tasks[i].enqueue()
            last_run[i] = now
        stop.wait(1.0)
