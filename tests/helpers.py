"""Shared by the tests that run the command line (``tests`` is on ``pythonpath``)."""

from __future__ import annotations

import subprocess
import sys
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m gouvernante ARGS`` in ``cwd``, output captured, no stdin."""
    return subprocess.run(
        [sys.executable, "-m", "gouvernante", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def shortest_path(edges: Mapping[str, Sequence[str]], start: str, goal: str) -> list[str]:
    """Node ids of a shortest path from ``start`` to ``goal`` over ``edges``; ``[]`` if none."""
    previous: dict[str, str | None] = {start: None}
    todo = deque([start])
    while todo:
        node = todo.popleft()
        if node == goal:
            path = [node]
            while (parent := previous[path[-1]]) is not None:
                path.append(parent)
            return path[::-1]
        for child in edges.get(node, ()):
            if child not in previous:
                previous[child] = node
                todo.append(child)
    return []
