from django.conf import settings
from django.core.management.base import BaseCommand

from kb import search_service
from kb.models import Article
from kb.search.onnx import is_exported


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the database (re-embeds only changed chunks). With "
        "KB_EMBEDDER=onnx it first exports the model to ONNX once if it is missing."
    )

    def handle(self, *args, **options):
        onnx = settings.KB_EMBEDDER in search_service.ONNX_PRECISIONS
        if onnx and not is_exported(settings.KB_ONNX_DIR):
            self.stdout.write(
                f"Exporting all-MiniLM-L6-v2 to ONNX in {settings.KB_ONNX_DIR} (once, ~10 s)…"
            )
            if search_service.onnx_export_ensure() is None:
                self.stderr.write("The export failed (see the log): indexing with torch instead.")
        ids = list(Article.objects.values_list("pk", flat=True))
        embedded = 0
        for n, article_id in enumerate(ids, 1):
            embedded += search_service.index_article(article_id=article_id)
            if n % 50 == 0:
                self.stdout.write(f"  {n}/{len(ids)} articles…")
        version = search_service.index_rebuild()
        self.stdout.write(
            f"Index version {version}: {len(ids)} articles, {embedded} chunks embedded "
            f"with {search_service.embedder_get().name}."
        )
