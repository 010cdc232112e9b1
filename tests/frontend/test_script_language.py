"""Language features beyond the corpus: grad mode, classes, Attribute, CompilationUnit,
is_scripting, inlined graphs, keyword calls and defaults."""

from __future__ import annotations

from typing import List, Optional

import torch

import hybridjit


def no_grad_block(x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        y = x * 2
    return y + x


def test_no_grad_switches_grad_mode_inside_the_block() -> None:
    f = hybridjit.script(no_grad_block)
    x = torch.ones(2, requires_grad=True)
    out = f(x)
    assert out.requires_grad and torch.is_grad_enabled()
    kinds = [n.kind for n in f.graph.nodes()]
    assert kinds.count("aten::set_grad_enabled") == 2


class Counter:
    def __init__(self, start: int) -> None:
        self.n = start
        self.hist: List[int] = []

    def bump(self, k: int) -> int:
        self.n += k
        self.hist.append(self.n)
        return self.n


def uses_class(x: int) -> List[int]:
    c = Counter(x)
    c.bump(2)
    c.bump(3)
    return c.hist + [c.n]


def test_script_class_fields_and_methods() -> None:
    f = hybridjit.script(uses_class)
    assert f(1) == uses_class(1) == [3, 6, 6]
    assert hybridjit.script(Counter) is Counter


class WithAttribute(hybridjit.ScriptModule):
    def __init__(self) -> None:
        super().__init__()
        self.seen = hybridjit.Attribute([], List[int])
        self.best: Optional[int] = None

    @hybridjit.script_method
    def forward(self, x: int) -> int:
        self.seen.append(x)
        return len(self.seen)


def test_attribute_declares_the_type_of_an_empty_list() -> None:
    m = WithAttribute()
    assert m(5) == 1 and m(6) == 2
    assert m.seen == [5, 6]


def scripting_flag(x: int) -> int:
    if torch.jit.is_scripting() and hybridjit.is_scripting():
        return x + 1
    return x - 1


def test_is_scripting_is_true_in_compiled_code() -> None:
    assert hybridjit.script(scripting_flag)(1) == 2
    assert scripting_flag(1) == 0
    assert "aten::sub" not in str(hybridjit.script(scripting_flag).graph)


def test_compilation_unit_defines_functions() -> None:
    cu = hybridjit.CompilationUnit(
        """
def double(x: int) -> int:
    return x * 2

def quad(x: int) -> int:
    return double(double(x))
"""
    )
    assert cu.quad(3) == 12


def defaults(x: int, y: int = 3, *, z: int = 4) -> int:
    return x + 10 * y + 100 * z


def calls_with_keywords(x: int) -> int:
    return defaults(x, z=1) + defaults(x, y=2)


def test_keyword_arguments_and_defaults() -> None:
    f = hybridjit.script(calls_with_keywords)
    assert f(1) == calls_with_keywords(1)
    assert hybridjit.script(defaults)(1, z=2) == defaults(1, z=2)
