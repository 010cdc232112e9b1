"""Names defined inside the function that defines the scripted one: classes, enums,
NamedTuples and type aliases resolve as TorchScript resolves them (compared with eager,
both executors, save/load and torch.jit)."""

import enum
from typing import List, NamedTuple, Tuple

from tests.differential import check_script


def test_local_type_alias_in_the_signature() -> None:
    Pair = Tuple[int, int]
    Ints = List[int]

    def f(p: Pair, xs: Ints) -> Pair:
        return p[1] + len(xs), p[0]

    # torch.jit resolves through the frame that calls torch.jit.script (here check_script's).
    check_script(f, [((1, 2), [3]), ((0, -5), [])], torchscript=False)


def test_local_named_tuple_and_enum() -> None:
    class Point(NamedTuple):
        x: int
        y: float

    class Kind(enum.Enum):
        SUM = 1
        DIFF = 2

    def f(a: int, b: float, diff: bool) -> float:
        p = Point(a, b)
        kind = Kind.DIFF if diff else Kind.SUM
        if kind == Kind.SUM:
            return p.x + p.y
        return p.x - p.y

    check_script(f, [(1, 2.5, False), (1, 2.5, True)])


def test_local_class() -> None:
    class Counter:
        def __init__(self, start: int) -> None:
            self.n = start

        def bump(self, k: int) -> int:
            self.n += k
            return self.n

    def f(start: int) -> int:
        c = Counter(start)
        c.bump(2)
        return c.bump(3)

    check_script(f, [(0,), (-7,)], torchscript=False)  # torch.jit: local classes unsupported
