"""Pure algorithms: plain data in, plain data out, and no Django anywhere."""

from __future__ import annotations

import ast
import pathlib

from kindred.algorithms.completeness import completeness

ALGORITHMS = pathlib.Path(__file__).resolve().parent.parent / "kindred" / "algorithms"


def test_completeness_counts_filled_fields_in_order():
    assert completeness({"a": True, "b": False, "c": False}, ["c", "a", "b"]) == (
        33,
        ["c", "b"],
    )
    assert completeness({}, []) == (100, [])
    assert completeness({"a": True}, ["a"]) == (100, [])


def test_algorithms_import_no_django():
    """Every module under kindred/algorithms is free of Django and DRF imports."""
    offenders = []
    for path in ALGORITHMS.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] in {"django", "rest_framework"}
            ]
    assert not offenders, offenders
