"""Test-wide settings: a deterministic hypothesis profile, and the verifier after every pass.

Fuzzing profiles: the default "ci" profile is derandomized (the same examples every run) and
small; tests sized with `tests.property.program_strategy.budget(n)` run their CI count `n`.
The documented slow run is `pytest -m slow tests/property tests/serialization/test_fuzz.py`:
random programs 5,000 (eager vs both executors vs torch.jit), source mutations 2,000,
archive mutations 10,000 + 2,000 enum-archive edits (counts fixed in each `@settings`).
`HYPOTHESIS_PROFILE=long` additionally raises every `budget(n)` test to 10,000 random examples.
"""

import os

from hypothesis import HealthCheck, settings

from hybridjit import pipeline

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
settings.register_profile("long", deadline=None, max_examples=10_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Every pass the pipeline runs is followed by the IR verifier (STYLE: passes leave the IR valid).
pipeline.VERIFY_AFTER_EACH_PASS = True
