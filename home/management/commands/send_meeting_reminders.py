from django.core.management.base import BaseCommand

from home.registrations import send_reminders


class Command(BaseCommand):
    help = (
        "Reminds everyone with a place at a meeting that starts within a day, once each. "
        "Run it hourly, from cron."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Reminders queued: {send_reminders()}")
