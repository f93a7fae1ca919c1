"""Catalog Service: datasets and batches per org and sandbox (AEP-CAT-1)."""
