"""`python -m benchmarks [name ...]`: run the named benchmarks, or all of them."""

from __future__ import annotations

import importlib
import sys

ALL = [
    "members",
    "tasks",
    "search",
    "referrals",
    "helpers",
    "community",
    "matching",
    "pairing",
    "snapshot",
    "load",
]


def main(names: list[str]) -> int:
    for name in names or ALL:
        if name not in ALL:
            print(f"Unknown benchmark {name!r}; known: {', '.join(ALL)}")
            return 2
        print(f"== benchmark {name}")
        importlib.import_module(f"benchmarks.bench_{name}").run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
