from django.core.management.base import BaseCommand

from forms_app.mail import send_queued


class Command(BaseCommand):
    help = (
        "Sends the emails that are waiting or that the mail server refused, up to "
        "FORMS_EMAIL_MAX_ATTEMPTS tries each. Run it every few minutes from cron."
    )

    def handle(self, *args, **options):
        sent, failed = send_queued()
        self.stdout.write(f"Sent {sent} email(s); {failed} still failing.")
