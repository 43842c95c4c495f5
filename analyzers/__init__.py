"""Analyzers: turn stored raw pages into Documents (segmentation, metadata, units, links)."""
