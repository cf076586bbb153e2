import signal

from django.core.management.base import BaseCommand, CommandError

from forms_app.mail import Outbox


class Command(BaseCommand):
    help = (
        "Sends the queued emails, and keeps sending as more are queued, until stopped: retries "
        "failed emails itself and outlasts database and mail-server outages. Run one, under a "
        "supervisor that restarts it (docs/operations.md). With --once: tries every queued "
        "email once, failed ones too, and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Try every queued email now, without waiting for retry times, then exit.",
        )

    def handle(self, *args, once=False, **options):
        outbox = Outbox()
        if once:
            if not outbox.send_all_queued():
                raise CommandError("The mail server could not be reached; the emails are kept.")
            return
        # Stopping finishes the email being sent and records it, so that it is not sent twice.
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop_signal, lambda *_: outbox.stopping.set())
        self.stdout.write("Mail worker started.")
        outbox.run()
        self.stdout.write("Mail worker stopped.")
