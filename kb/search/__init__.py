"""Pure search core: chunking, embedders, FAISS index. No Django."""
