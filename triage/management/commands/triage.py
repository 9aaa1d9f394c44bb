"""``manage.py triage "text…" [--subject S] [--production] [--users N] [--call] [--acv V]``:
assess one request with the active policy and print the result."""

import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from triage import engine, services


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("text", help="the request body")
        parser.add_argument("--subject", default="")
        parser.add_argument("--production", action="store_true", help="production is affected")
        parser.add_argument("--users", type=int, default=None, help="users affected")
        parser.add_argument("--workaround", choices=["yes", "no"], default=None)
        parser.add_argument(
            "--claimed", choices=[c.value for c in engine.ClaimedUrgency], default="normal"
        )
        parser.add_argument("--call", action="store_true", help="the customer asks for a call")
        parser.add_argument("--acv", type=float, default=None, help="annual contract value")
        parser.add_argument("--plan", choices=[p.value for p in engine.PlanTier], default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        request = engine.TriageInput(
            subject=options["subject"],
            body=options["text"],
            claimed_urgency=engine.ClaimedUrgency(options["claimed"]),
            call_requested=options["call"],
            impact=engine.Impact(
                production_affected=options["production"] or None,
                users_affected=options["users"],
                workaround_available={"yes": True, "no": False}.get(options["workaround"] or ""),
            ),
            account=engine.AccountFacts(
                annual_contract_value=options["acv"],
                plan_tier=engine.PlanTier(options["plan"]) if options["plan"] else None,
            ),
        )
        _, policy = services.policy_get_active()
        result = engine.assess_urgency(
            request=request, policy=policy, now=timezone.now(), embedder=services.embedder_get()
        )
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), indent=2, default=str))
            return
        self.stdout.write(
            f"Tier:        {result.tier.label} (score {result.score}, "
            f"confidence {result.confidence:.2f})"
        )
        self.stdout.write(f"Issue type:  {result.issue_type.label}")
        self.stdout.write(f"Action:      {result.action.value}")
        self.stdout.write(f"Language:    {result.language}")
        self.stdout.write(f"Frustration: {result.frustration:.1f}/10 ({result.frustration_trend})")
        self.stdout.write(f"Claim:       {'accepted' if result.claim_accepted else 'not accepted'}")
        if result.missing_information:
            self.stdout.write(f"Missing:     {', '.join(result.missing_information)}")
        self.stdout.write(f"Policy:      {result.policy_version}")
        self.stdout.write("Reasons:")
        for reason in result.reasons:
            self.stdout.write(f"  - {reason}")
