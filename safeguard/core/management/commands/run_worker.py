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
                call_command("db_worker")
        finally:
            stop.set()


def _schedule(stop: threading.Event) -> None:
    """Enqueue each periodic task from SAFEGUARD_PERIODIC_TASKS when its interval has passed."""
    entries = [(import_string(path), int(every)) for path, every in settings.SAFEGUARD_PERIODIC_TASKS]
    last: dict[int, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        for i, (task, every) in enumerate(entries):
            if now - last.get(i, -every) >= every:
                task.enqueue()
                last[i] = now
        stop.wait(1.0)
