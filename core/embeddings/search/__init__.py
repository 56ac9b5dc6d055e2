"""Nearest-row search behind one interface (base.SearchBackend), with three backends:

* exact.py: every row scored, the reference (a compressed int8 copy speeds up single queries
  without changing a result: compressed.py);
* hnsw.py: a local HNSW index (faiss), stored and checked by index_store.py;
* milvus_backend.py: a Milvus collection (Milvus Lite or a server: milvus_connect.py), filled by
  milvus_export.py.

recall.py measures an approximate backend against exact search. The word-level calls that use
them are in core.embeddings.neighbours.
"""
