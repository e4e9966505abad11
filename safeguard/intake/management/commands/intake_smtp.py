"""``manage.py intake_smtp``: run the SMTP receiver until SIGTERM or Ctrl-C (see intake/smtp.py)."""

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from safeguard.intake import smtp


class Command(BaseCommand):
    help = (
        "Receive complaint e-mail over SMTP: each message is stored raw before it is accepted (250), "
        "then processed into a case or a reply on one. Stops gracefully on SIGTERM."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=2525, help="Port to listen on (default 2525).")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}

        def ready() -> None:
            self.stdout.write(f"SMTP intake listening on {host}:{port}; stop with SIGTERM or Ctrl-C.")
            self.stdout.flush()

        try:
            smtp.serve(host=host, port=port, stop=stop, on_ready=ready)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("SMTP intake stopped.")
