"""Which semantic embedder the portal's triage uses."""


def test_triage_uses_the_onnx_export_and_torch_until_it_exists(settings, tmp_path, onnx_model_dir):
    from triage import services as triage_services
    from triage.engine.embedding import MiniLmEmbedder, OnnxMiniLmEmbedder

    settings.TRIAGE_EMBEDDER = "onnx"
    settings.KB_ONNX_DIR = onnx_model_dir
    exported = triage_services._embedder_build()
    settings.KB_ONNX_DIR = tmp_path / "not-exported"
    missing = triage_services._embedder_build()

    assert isinstance(exported, OnnxMiniLmEmbedder)
    assert exported("our API is down for every customer").shape == (384,)
    assert isinstance(missing, MiniLmEmbedder)
