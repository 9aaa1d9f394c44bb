"""A management command that hands its whole command line to a benchmark module's ``main``."""

from django.core.management.base import BaseCommand


class BenchCommand(BaseCommand):
    """Subclasses set ``bench_main`` (``argv -> exit status``); ``--help`` is the module's own."""

    bench_main = staticmethod(lambda argv: 0)

    def add_arguments(self, parser):
        parser.add_argument("bench_args", nargs="*")

    def run_from_argv(self, argv):
        raise SystemExit(self.bench_main(argv[2:]))

    def handle(self, *args, **options):
        status = self.bench_main(list(options["bench_args"]))
        if status:
            raise SystemExit(status)
