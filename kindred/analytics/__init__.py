"""Ecosystem analytics: the relationship graph, monthly snapshots of its health,
silos and bridges (issue 10)."""
