from django.core.management.base import BaseCommand

from kb import search_service
from kb.models import Article


class Command(BaseCommand):
    help = "Rebuild the search index from the database (re-embeds only changed chunks)."

    def handle(self, *args, **options):
        ids = list(Article.objects.values_list("pk", flat=True))
        embedded = 0
        for n, article_id in enumerate(ids, 1):
            embedded += search_service.index_article(article_id=article_id)
            if n % 50 == 0:
                self.stdout.write(f"  {n}/{len(ids)} articles…")
        version = search_service.index_rebuild()
        self.stdout.write(
            f"Index version {version}: {len(ids)} articles, {embedded} chunks embedded."
        )
