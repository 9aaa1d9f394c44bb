"""The hybrid index: FAISS over chunk vectors plus BM25 over the same chunks.

The index is a derived cache, rebuildable from chunks and their stored vectors. On disk it lives in
a root directory:

    root/
      MANIFEST.json        {"version": 7, "dir": "v000007", ...}  (replaced atomically)
      v000007/             one immutable directory per version
        meta.json  chunks.jsonl  vectors.npy  bm25/

`save_index` writes a complete version directory under a temporary name, renames it into place with
os.replace, then swaps the manifest with os.replace: a reader sees the old version or the new one,
never half of one. `IndexHandle` lets long-running web processes pick up new versions without a
restart.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from kb.search.chunking import Chunk
from kb.search.text import tokenize

logger = logging.getLogger(__name__)

MANIFEST = "MANIFEST.json"
FORMAT = 1
KEEP_VERSIONS = 3
# One query at a time over ~10k vectors takes well under a millisecond; FAISS's OpenMP pool only
# adds contention with sibling web workers (and spin-waits on a busy machine).
FAISS_THREADS = 1


class IndexNotFound(FileNotFoundError):
    """No index has been saved under this root yet."""


@dataclass(frozen=True, slots=True)
class ChunkScores:
    """Raw per-chunk evidence for one query, before fusion."""

    dense: np.ndarray | None  # cosine per chunk, or None when no query vector
    bm25: np.ndarray  # BM25 per chunk (0 where no query term occurs)


class HybridIndex:
    """Immutable after build. Chunks are grouped by article so per-article maxima are reductions."""

    def __init__(
        self,
        *,
        chunks: list[Chunk],
        vectors: np.ndarray,
        embedder_name: str,
        version: int | None = None,
        bm25: object | None = None,
    ) -> None:
        import faiss

        faiss.omp_set_num_threads(FAISS_THREADS)
        self.chunks = chunks
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.embedder_name = embedder_name
        self.version = version
        self.dim = int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0

        self.article_ids: list[str] = []
        starts: list[int] = []
        for position, chunk in enumerate(chunks):
            if not self.article_ids or self.article_ids[-1] != chunk.article_id:
                self.article_ids.append(chunk.article_id)
                starts.append(position)
        self.article_starts = np.asarray(starts, dtype=np.int64)
        self.chunk_article = np.repeat(
            np.arange(len(starts)), np.diff(np.append(self.article_starts, len(chunks)))
        ).astype(np.int64)

        self.faiss_index = faiss.IndexFlatIP(max(self.dim, 1))
        if len(chunks):
            self.faiss_index.add(self.vectors)

        tokens = [tokenize(chunk.text) for chunk in chunks]
        self.chunk_terms = [frozenset(t) for t in tokens]
        document_frequency = Counter(term for terms in self.chunk_terms for term in terms)
        n = max(len(chunks), 1)
        self.idf = {
            term: math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            for term, df in document_frequency.items()
        }
        self.bm25 = bm25 if bm25 is not None else _build_bm25(tokens)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def build(
        cls, chunks: Sequence[Chunk], vectors: np.ndarray, *, embedder_name: str
    ) -> HybridIndex:
        """Build from chunks and their vectors (row i belongs to chunks[i]).

        Vectors must come from the embedder called `embedder_name` and be L2-normalized.
        Chunks are regrouped by article (stable), vectors follow them.
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        first_seen: dict[str, int] = {}
        for chunk in chunks:
            first_seen.setdefault(chunk.article_id, len(first_seen))
        order = sorted(range(len(chunks)), key=lambda i: (first_seen[chunks[i].article_id], i))
        ordered = [chunks[i] for i in order]
        vectors = vectors[order] if len(vectors) else np.zeros((0, 1), dtype=np.float32)
        return cls(chunks=ordered, vectors=vectors, embedder_name=embedder_name)

    # -- scoring ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.chunks)

    def dense_scores(self, query_vector: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, chunk positions) of the `top` nearest chunks by inner product."""
        top = min(top, len(self.chunks))
        if top == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        query = np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32)
        scores, positions = self.faiss_index.search(query, top)
        keep = positions[0] >= 0
        return scores[0][keep], positions[0][keep].astype(np.int64)

    def bm25_scores(self, terms: list[str]) -> np.ndarray:
        """BM25 of every chunk for the query terms (zeros when no term is in the vocabulary)."""
        ids = self.bm25.get_tokens_ids(terms)  # type: ignore[attr-defined]
        if not ids or not len(self.chunks):
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(ids), dtype=np.float32)  # type: ignore[attr-defined]

    def per_article_max(self, chunk_values: np.ndarray) -> np.ndarray:
        if not len(self.chunks):
            return np.zeros(0, dtype=np.float32)
        return np.maximum.reduceat(chunk_values, self.article_starts)

    def article_chunks(self, article_index: int) -> range:
        start = int(self.article_starts[article_index])
        end = (
            int(self.article_starts[article_index + 1])
            if article_index + 1 < len(self.article_starts)
            else len(self.chunks)
        )
        return range(start, end)


def _build_bm25(tokens: list[list[str]]) -> object:
    import bm25s

    retriever = bm25s.BM25()
    # An empty token keeps bm25s happy with empty documents and empty corpora.
    retriever.index([t or [""] for t in tokens] or [[""]], show_progress=False)
    return retriever


# -- persistence -----------------------------------------------------------------------------


def read_manifest(root: str | Path) -> dict[str, object]:
    """The current manifest; IndexNotFound when none was saved yet."""
    path = Path(root) / MANIFEST
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise IndexNotFound(str(path)) from exc


def current_version(root: str | Path) -> int | None:
    try:
        return int(read_manifest(root)["version"])  # type: ignore[call-overload]
    except IndexNotFound:
        return None


def save_index(index: HybridIndex, root: str | Path, *, built_at: str = "") -> int:
    """Write `index` as the next version under `root` and make it current. Returns the version.

    Safe against concurrent readers (they keep the version they loaded) and against a concurrent
    writer (each claims a distinct version directory; the manifest ends at one of them).
    """
    import bm25s  # noqa: F401 - fail before writing anything if bm25s is missing

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    try:
        np.save(staging / "vectors.npy", index.vectors)
        with open(staging / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for chunk in index.chunks:
                fh.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
        index.bm25.save(str(staging / "bm25"), show_progress=False)  # type: ignore[attr-defined]
        version = (current_version(root) or 0) + 1
        while True:
            meta = {
                "format": FORMAT,
                "version": version,
                "dir": f"v{version:06d}",
                "embedder": index.embedder_name,
                "dim": index.dim,
                "chunks": len(index.chunks),
                "articles": len(index.article_ids),
                "built_at": built_at,
            }
            (staging / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
            _fsync_dir_files(staging)
            try:
                os.replace(staging, root / str(meta["dir"]))
                break
            except OSError:
                if not (root / str(meta["dir"])).exists():
                    raise
                version += 1  # another writer claimed it; take the next number
        _write_atomic(root / MANIFEST, json.dumps(meta, indent=1))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _prune(root, keep=KEEP_VERSIONS)
    return version


def load_index(root: str | Path, *, version: int | None = None) -> HybridIndex:
    """Load the current version (or a given one still on disk)."""
    import bm25s

    root = Path(root)
    if version is None:
        directory = root / str(read_manifest(root)["dir"])
    else:
        directory = root / f"v{version:06d}"
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    with open(directory / "chunks.jsonl", encoding="utf-8") as fh:
        chunks = [Chunk(**json.loads(line)) for line in fh if line.strip()]
    vectors = np.load(directory / "vectors.npy")
    bm25 = bm25s.BM25.load(str(directory / "bm25"), show_progress=False)
    index = HybridIndex(
        chunks=chunks,
        vectors=vectors,
        embedder_name=str(meta["embedder"]),
        version=int(meta["version"]),
        bm25=bm25,
    )
    return index


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fsync_dir_files(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def _prune(root: Path, *, keep: int) -> None:
    """Delete all but the newest `keep` version directories (never the current one)."""
    try:
        current = str(read_manifest(root)["dir"])
    except IndexNotFound:
        return
    versions = sorted(p for p in root.glob("v[0-9]*") if p.is_dir())
    for path in versions[:-keep]:
        if path.name != current:
            shutil.rmtree(path, ignore_errors=True)


class IndexHandle:
    """Process-wide access to the newest saved index, reloaded when the manifest changes.

    `current()` re-reads the manifest at most every `check_interval` seconds (a cheap stat + small
    read), so a web worker notices a new version within that interval without a restart. Returns
    None while no index exists. Thread-safe; a failed reload keeps serving the previous version.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        check_interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = Path(root)
        self.check_interval = check_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._index: HybridIndex | None = None
        self._checked_at: float | None = None

    def current(self) -> HybridIndex | None:
        now = self._clock()
        if self._checked_at is not None and now - self._checked_at < self.check_interval:
            return self._index
        with self._lock:
            if self._checked_at is not None and now - self._checked_at < self.check_interval:
                return self._index
            self._checked_at = now
            version = current_version(self.root)
            loaded = self._index.version if self._index is not None else None
            if version is not None and version != loaded:
                try:
                    self._index = load_index(self.root)
                    logger.info("loaded search index version %s from %s", version, self.root)
                except Exception:
                    logger.exception("cannot load search index version %s", version)
            return self._index

    def invalidate(self) -> None:
        """Force the next `current()` to re-read the manifest (e.g. right after saving)."""
        with self._lock:
            self._checked_at = None
