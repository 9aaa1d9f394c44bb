"""``manage.py triage_bench --cases C.jsonl [--json]``: the triage engine vs a keyword-only
baseline in the same run (per-tier precision/recall, macro-F1, Emergency recall, under- and
over-triage, escalation rate, latency). Also ``--banking77``, ``--nluplusplus``,
``--tobi-bueck`` with the converters of ``triage.bench``."""

from portal.management.bench import BenchCommand
from triage import bench


class Command(BenchCommand):
    help = __doc__
    bench_main = staticmethod(bench.main)
