from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from reminders import vapid


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair for Web Push (set them as VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY "
        "in production). With --ensure, create the development key file under var/ if no keys are configured."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ensure",
            action="store_true",
            help="Create var/vapid.json (mode 0600) when the environment sets no keys; reuse it afterwards.",
        )

    def handle(self, *args, ensure=False, **options):
        if not ensure:
            keys = vapid.generate()
            self.stdout.write(f"VAPID_PUBLIC_KEY={keys['public_key']}")
            self.stdout.write(f"VAPID_PRIVATE_KEY={keys['private_key']}")
            return
        if settings.VAPID_KEYS_FROM_ENV:
            self.stdout.write("Web Push: using the VAPID keys from the environment.")
            return
        path = Path(settings.VAPID_KEY_FILE)
        _, created = vapid.ensure(path)
        verb = "created" if created else "using"
        self.stdout.write(f"Web Push: {verb} the development VAPID keys in {path}.")
