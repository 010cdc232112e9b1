"""`member.value` takes the enum's value type (the `prim::EnumValue` overload is chosen by it)."""

from __future__ import annotations

import enum

import pytest

import hybridjit


class Mode(enum.Enum):
    FAST = "fast"
    SLOW = "slow"


class Ratio(enum.Enum):
    HALF = 0.5
    FULL = 1.0


def describe(m: Mode, r: Ratio, x: float) -> str:
    return m.value + ":" + str(r.value * x)


@pytest.mark.parametrize("args", [(Mode.FAST, Ratio.HALF, 3.0), (Mode.SLOW, Ratio.FULL, -2.0)])
@pytest.mark.parametrize("executor", ["codegen", "interpreter"])
def test_enum_values_of_str_and_float_enums_match_eager(args, executor):
    graph = hybridjit.script(describe).graph
    assert hybridjit.function_from_graph(graph, executor)(*args) == describe(*args)


def test_parsed_graph_picks_the_same_enum_value_overloads():
    graph = hybridjit.script(describe).graph
    overloads = [str(n.schema) for n in hybridjit.parse_ir(str(graph)).all_nodes()
                 if n.kind == "prim::EnumValue"]  # fmt: skip
    assert overloads == [
        "prim::EnumValue.str(AnyEnumType enum) -> str",
        "prim::EnumValue.float(AnyEnumType enum) -> float",
    ]
