"""Pure search core: chunking, embedders, FAISS + BM25 index, hybrid ranking. No Django.

Importing this package is cheap: torch and sentence-transformers load only when an embedder first
embeds, faiss and bm25s only when an index is built or loaded.

Typical use (Django side):

    chunks = chunk_article(str(article.pk), article.title, article.body)
    vectors = embedder.embed([c.text for c in chunks])     # or reuse stored vectors by
                                                           # c.content_hash(embedder.name)
    index = HybridIndex.build(all_chunks, all_vectors, embedder_name=embedder.name)
    save_index(index, root)

    handle = IndexHandle(root)                              # one per process
    index = handle.current()                                # reloads when the version changes
    hits = Searcher(index, embedder, load_calibration(embedder.name)).search(query, k=3)
"""

from kb.search.calibration import Calibration, Gate, load_calibration
from kb.search.chunking import Chunk, chunk_article, content_hash, markdown_to_plain
from kb.search.embedders import (
    DEFAULT_MODEL_NAME,
    Embedder,
    FailingEmbedder,
    HashingEmbedder,
    ModelUnavailable,
    SentenceTransformerEmbedder,
)
from kb.search.index import (
    HybridIndex,
    IndexHandle,
    IndexNotFound,
    current_version,
    load_index,
    save_index,
)
from kb.search.ranking import Hit, Searcher, SearchResult

__all__ = [
    "DEFAULT_MODEL_NAME",
    "Calibration",
    "Chunk",
    "Embedder",
    "FailingEmbedder",
    "Gate",
    "HashingEmbedder",
    "Hit",
    "HybridIndex",
    "IndexHandle",
    "IndexNotFound",
    "ModelUnavailable",
    "SearchResult",
    "Searcher",
    "SentenceTransformerEmbedder",
    "chunk_article",
    "content_hash",
    "current_version",
    "load_calibration",
    "load_index",
    "markdown_to_plain",
    "save_index",
]
