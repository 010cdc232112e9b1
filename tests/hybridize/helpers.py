"""Plain functions the models of `models.py` call; one is reached as `helpers.normalize`."""

from __future__ import annotations


def normalize(x):
    """Divide by the largest magnitude when it exceeds 1 (a Python-side number conversion)."""
    top = x.abs().max().item()
    if top > 1.0:
        return x / top
    return x
