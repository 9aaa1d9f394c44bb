"""``manage.py kb_bench --articles A.jsonl --queries Q.jsonl [--json]``: our search vs plain BM25
on an isolated in-memory KB (never the live index). Also ``kb_bench convert stackfaq|clinc150
OUTDIR`` and ``kb_bench calibrate``. Options are those of ``python -m kb.bench``."""

from kb import bench
from portal.management.bench import BenchCommand


class Command(BenchCommand):
    help = __doc__
    bench_main = staticmethod(bench.main)
