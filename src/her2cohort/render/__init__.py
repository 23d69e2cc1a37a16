"""Manuscript renderings of tidy results (tables; figures later)."""
