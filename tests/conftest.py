"""Test-wide settings: a deterministic hypothesis profile, and the verifier after every pass."""

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
