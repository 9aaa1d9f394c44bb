"""Knowledge base: articles, editor workflow, embeddings and vector search."""
