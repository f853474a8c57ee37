"""Random choices the demo generators share."""
import random
from collections.abc import Sequence
from typing import Any


def pick_weighted(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    """One value from (value, weight) pairs whose weights add up to 1."""
    r, acc = rng.random(), 0.0
    for value, weight in weighted:
        acc += weight
        if r < acc:
            return value
    return weighted[-1][0]
