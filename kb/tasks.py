"""Celery tasks for the knowledge base: idempotent, by id."""

from celery import shared_task

from kb import search_service


@shared_task(acks_late=True)
def kb_index_article(article_id: int) -> int:
    """Re-embed what changed in one article and publish a new index version."""
    search_service.index_article(article_id=article_id)
    return search_service.index_rebuild()
