"""``manage.py intake_imap``: poll the intake mailbox (see intake/imap.py)."""

import imaplib
import logging
import signal
import threading
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from imap_tools.errors import MailboxLoginError, UnexpectedCommandStatusError

from safeguard.intake import imap

log = logging.getLogger(__name__)

# What a poll may fail with that the next poll may not: the server away, a timeout, a refusal.
TRANSIENT = (OSError, imaplib.IMAP4.error, UnexpectedCommandStatusError, MailboxLoginError)


class Command(BaseCommand):
    help = (
        "Poll the intake mailbox (SAFEGUARD_IMAP_*): each message is stored raw, processed into a case "
        "or a reply on one, and only then flagged \\Seen. Stops gracefully on SIGTERM."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Poll once and exit (for cron).")
        parser.add_argument("--interval", type=float, default=60, help="Seconds between polls (default 60).")
        parser.add_argument("--batch", type=int, default=imap.BATCH, help="Messages per poll at most.")
        parser.add_argument("--host", help="Override SAFEGUARD_IMAP_HOST.")
        parser.add_argument("--port", type=int, help="Override SAFEGUARD_IMAP_PORT.")
        parser.add_argument("--user", help="Override SAFEGUARD_IMAP_USER (the password comes only from settings).")
        parser.add_argument("--mailbox", help="Override SAFEGUARD_IMAP_MAILBOX.")
        parser.add_argument("--security", choices=imap.SECURITY, help="Override SAFEGUARD_IMAP_SECURITY.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = imap.ImapConfig.from_settings(
                host=options["host"],
                port=options["port"],
                user=options["user"],
                mailbox=options["mailbox"],
                security=options["security"],
            )
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while True:
                try:
                    report = imap.poll_once(config, batch=options["batch"], stop=stop)
                except TRANSIENT as exc:
                    if options["once"]:
                        raise CommandError(f"IMAP poll of {config.host} failed: {exc}") from exc
                    log.warning("IMAP poll of %s failed, trying again later: %s", config.host, exc)
                else:
                    self.stdout.write(f"{config.source}: {report}")
                if options["once"] or stop.wait(options["interval"]):
                    break
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
