"""Indexer: one search interface (base.SearchEngine), one module per engine."""
