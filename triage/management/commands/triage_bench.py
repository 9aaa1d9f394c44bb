"""``manage.py triage_bench --cases C.jsonl [--json]``: the triage engine vs a keyword-only
baseline in the same run (per-tier precision/recall, macro-F1, Emergency recall, under- and
over-triage, escalation rate, latency). Also ``--banking77``, ``--nluplusplus``,
``--tobi-bueck`` with the converters of ``triage.bench``."""

from django.core.management.base import BaseCommand

from triage import bench


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("bench_args", nargs="*")

    def run_from_argv(self, argv):
        raise SystemExit(bench.main(argv[2:]))

    def handle(self, *args, **options):
        status = bench.main(list(options["bench_args"]))
        if status:
            raise SystemExit(status)
