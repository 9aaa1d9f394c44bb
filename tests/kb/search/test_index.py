from __future__ import annotations

import json

import numpy as np
import pytest

from kb.search import (
    HashingEmbedder,
    HybridIndex,
    IndexHandle,
    IndexNotFound,
    chunk_article,
    current_version,
    load_index,
    save_index,
)
from tests.kb.search.conftest import ARTICLES, build


def test_build_groups_chunks_by_article_and_keeps_vectors_aligned(embedder):
    # given chunks of two articles, interleaved
    a = chunk_article("a", "Alpha", "First.\n\n# Two\n\nSecond.")
    b = chunk_article("b", "Beta", "Other.")
    chunks = [a[0], b[0], a[1], b[1], a[2]]
    vectors = embedder.embed([c.text for c in chunks])

    # when
    index = HybridIndex.build(chunks, vectors, embedder_name=embedder.name)

    # then
    assert [c.chunk_id for c in index.chunks] == ["a:0", "a:1", "a:2", "b:0", "b:1"]
    assert index.article_ids == ["a", "b"]
    assert index.chunk_article.tolist() == [0, 0, 0, 1, 1]
    expected = embedder.embed([c.text for c in index.chunks])
    assert np.allclose(index.vectors, expected)


def test_build_rejects_misaligned_vectors(embedder):
    chunks = chunk_article("a", "Alpha", "First.")

    with pytest.raises(ValueError, match="2 chunks but 1 vectors"):
        HybridIndex.build(chunks, embedder.embed(["x"]), embedder_name=embedder.name)


def test_save_then_load_round_trips_and_numbers_versions(tmp_path, index):
    # when
    first = save_index(index, tmp_path)
    second = save_index(index, tmp_path)
    loaded = load_index(tmp_path)

    # then
    assert (first, second) == (1, 2)
    assert loaded.version == 2
    assert json.loads((tmp_path / "MANIFEST.json").read_text())["dir"] == "v000002"
    assert [c.chunk_id for c in loaded.chunks] == [c.chunk_id for c in index.chunks]
    assert np.array_equal(loaded.vectors, index.vectors)
    assert loaded.bm25_scores(["e1042"]).tolist() == index.bm25_scores(["e1042"]).tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MANIFEST.json", "v000001", "v000002"]


def test_save_keeps_only_the_newest_versions(tmp_path, index):
    for _ in range(5):
        save_index(index, tmp_path)

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "MANIFEST.json",
        "v000003",
        "v000004",
        "v000005",
    ]


def test_save_skips_a_version_directory_claimed_by_another_writer(tmp_path, index):
    # given a concurrent writer renamed its directory into place but has not swapped the manifest
    save_index(index, tmp_path)
    (tmp_path / "v000002").mkdir()
    (tmp_path / "v000002" / "meta.json").write_text("{}")

    # when
    version = save_index(index, tmp_path)

    # then
    assert version == 3
    assert current_version(tmp_path) == 3


def test_load_without_any_index_raises_index_not_found(tmp_path):
    with pytest.raises(IndexNotFound):
        load_index(tmp_path)
    assert current_version(tmp_path) is None


def test_handle_rechecks_the_manifest_only_after_the_interval(tmp_path, embedder, index):
    # given
    now = [100.0]
    handle = IndexHandle(tmp_path, check_interval=5.0, clock=lambda: now[0])
    assert handle.current() is None
    save_index(index, tmp_path)
    now[0] += 5.0
    assert handle.current().version == 1

    # when a new version is saved
    save_index(build(embedder, ARTICLES[:2]), tmp_path)
    now[0] += 4.9
    stale = handle.current()
    now[0] += 0.1
    fresh = handle.current()

    # then
    assert stale.version == 1
    assert fresh.version == 2
    assert fresh.article_ids == ["reset", "e1042"]


def test_handle_keeps_serving_the_old_version_when_the_new_one_is_broken(tmp_path, index):
    # given
    now = [0.0]
    handle = IndexHandle(tmp_path, check_interval=1.0, clock=lambda: now[0])
    save_index(index, tmp_path)
    assert handle.current().version == 1
    save_index(index, tmp_path)
    (tmp_path / "v000002" / "vectors.npy").unlink()

    # when
    now[0] += 1.0
    current = handle.current()

    # then
    assert current.version == 1


def test_handle_invalidate_forces_a_recheck(tmp_path, index):
    handle = IndexHandle(tmp_path, check_interval=3600.0, clock=lambda: 0.0)
    save_index(index, tmp_path)
    assert handle.current().version == 1
    save_index(index, tmp_path)

    handle.invalidate()

    assert handle.current().version == 2


def test_empty_index_searches_to_nothing(tmp_path):
    embedder = HashingEmbedder()
    index = HybridIndex.build([], np.zeros((0, embedder.dim)), embedder_name=embedder.name)

    save_index(index, tmp_path)

    assert len(load_index(tmp_path)) == 0
