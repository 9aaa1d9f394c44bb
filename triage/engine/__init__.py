"""Pure triage core: no Django, no Celery; ``now`` and the policy are arguments."""
