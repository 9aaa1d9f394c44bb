"""``manage.py kb_bench --articles A.jsonl --queries Q.jsonl [--json]``: our search vs plain BM25
on an isolated in-memory KB (never the live index). Also ``kb_bench convert stackfaq|clinc150
OUTDIR`` and ``kb_bench calibrate``. Options are those of ``python -m kb.bench``."""

from django.core.management.base import BaseCommand

from kb import bench


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("bench_args", nargs="*")

    def run_from_argv(self, argv):
        # Hand the whole command line to the benchmark's own parser (its --help included).
        raise SystemExit(bench.main(argv[2:]))

    def handle(self, *args, **options):
        status = bench.main(list(options["bench_args"]))
        if status:
            raise SystemExit(status)
