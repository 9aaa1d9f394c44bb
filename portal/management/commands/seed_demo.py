from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, ORGS, STAFF, seed_demo


class Command(BaseCommand):
    help = "Create the demo organizations, people and requests. Safe to run again."

    def handle(self, *args, **options):
        result = seed_demo()
        self.stdout.write(
            f"Demo data ready ({result['requests_created']} requests and "
            f"{result['articles_created']} help articles created)."
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, _first, _last, group in STAFF:
            self.stdout.write(f"  {group:<10} {email}")
        for org in ORGS[:2]:
            for local, role in org.people:
                self.stdout.write(f"  {role:<10} {local}@{org.domain}  ({org.name})")
