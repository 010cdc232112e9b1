"""Test-wide settings: a deterministic hypothesis profile, and the verifier after every pass.

Fuzzing profiles: the default "ci" profile is derandomized (the same examples every run) and
small; tests sized with `tests.property.program_strategy.budget(n)` run their CI count `n`.
The documented slow run is `pytest -m slow -p no:cacheprovider tests/property
tests/serialization/test_fuzz.py` (counts fixed in each `@settings`):
- random programs 5,000 (eager vs both executors vs torch.jit; torch.jit's own internal
  asserts are skipped), tests/property/test_generated_programs.py;
- source mutations 2,000 (FrontendError with a line, or agreement with eager / torch.jit as
  its docstring says), tests/property/test_source_mutations.py;
- structure-aware archive mutations 10,000 + 2,000 enum-archive edits: every load succeeds
  and every method then runs or raises what eager would, or load raises ArchiveError; loads
  under 2 s, peak memory rise under 1 GB, no file written (tests/serialization/test_fuzz.py
  prints its counts: run it with -s).
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
