"""Class methods, properties with setters, and module attributes that hold functions or
enum members: compared with eager, both executors, save/load and torch.jit."""

import enum

import pytest
import torch
from tests.differential import check_module, check_script, round_trip
from torch import nn

import hybridjit


@hybridjit.script
class Celsius:
    def __init__(self, degrees: float) -> None:
        self.degrees = degrees

    @classmethod
    def from_fahrenheit(cls, f: float) -> "Celsius":
        return cls((f - 32.0) * 5.0 / 9.0)

    @property
    def fahrenheit(self) -> float:
        return self.degrees * 9.0 / 5.0 + 32.0

    @fahrenheit.setter
    def fahrenheit(self, f: float) -> None:
        self.degrees = (f - 32.0) * 5.0 / 9.0


def classmethod_and_property(f: float) -> float:
    c = Celsius.from_fahrenheit(f)
    before = c.fahrenheit
    c.fahrenheit = before + 18.0
    return before * 1000.0 + c.degrees


def property_setter(c: float) -> float:
    t = Celsius(c)
    before = t.fahrenheit
    t.fahrenheit = before * 2.0
    return before * 1000.0 + t.degrees


def test_property_setter() -> None:
    check_script(property_setter, [(100.0,), (-40.0,), (0.0,)], atol=1e-9)


def test_classmethod() -> None:
    # torch.jit cannot resolve the class named in the classmethod's return annotation.
    check_script(classmethod_and_property, [(212.0,), (-40.0,), (0.0,)], atol=1e-9,
                 torchscript=False)  # fmt: skip


@hybridjit.script
class Scaled:
    FACTOR = 4

    def __init__(self, x: int) -> None:
        self.x = x

    @classmethod
    def unit(cls) -> "Scaled":
        return cls(cls.FACTOR)

    @property
    def value(self) -> int:
        return self.x * self.FACTOR


def class_constants(n: int) -> int:
    return Scaled(n).value + Scaled.unit().value


def test_class_constants_through_cls_and_self() -> None:
    # torch.jit refuses class attributes ("currently is not supported").
    check_script(class_constants, [(1,), (-3,)], torchscript=False)


def test_property_without_setter_is_refused() -> None:
    @hybridjit.script
    class ReadOnly:
        def __init__(self) -> None:
            self.x = 1

        @property
        def twice(self) -> int:
            return self.x * 2

    def f() -> int:
        r = ReadOnly()
        r.twice = 3
        return r.x

    try:
        hybridjit.script(f)
    except hybridjit.FrontendError as e:
        assert "property 'twice' of" in str(e) and "r.twice = 3" in str(e)
    else:
        raise AssertionError("assigning a read-only property compiled")


def triple(x: torch.Tensor) -> torch.Tensor:
    return x * 3


class Mode(enum.Enum):
    SUM = 1
    MAX = 2


class HoldsFunctions(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scripted = hybridjit.script(triple)
        self.plain = torch.relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scripted(x) + self.plain(x)


class HoldsEnum(nn.Module):
    def __init__(self, mode: Mode) -> None:
        super().__init__()
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == Mode.SUM:
            return x.sum(0)
        return x.max(0).values


X = torch.tensor([[1.0, -2.0], [3.0, 0.5]])


def test_module_attributes_holding_functions() -> None:
    check_module(HoldsFunctions(), [(X,)], torchscript=False)  # torch.jit: not our ScriptFunction
    module = HoldsFunctions()
    module.scripted = triple
    check_module(module, [(X,)])


def test_module_attribute_holding_an_enum_member() -> None:
    for mode in Mode:
        eager = HoldsEnum(mode)
        compiled = hybridjit.script(eager)
        loaded = round_trip(compiled)
        for run in (compiled, compiled.using("interpreter"), torch.jit.script(eager), loaded):
            torch.testing.assert_close(run(X), eager(X))
        assert loaded.mode.name == mode.name


def norms(x: torch.Tensor) -> torch.Tensor:
    # torch.norm's overload declarations are type comments (with `number`), its body tests
    # `isinstance(dim, (int, torch.SymInt))` and calls `_VF.norm`.
    return (torch.norm(x) + torch.norm(x, dim=0).sum() + torch.norm(x, 2, 0).sum()
            + torch.norm(x, p=1, dim=[0, 1]) + x.norm(p=3) + x.norm(2, 0, True).sum()
            + torch.norm(x, p="fro", dim=[0]).sum())  # fmt: skip


def test_norm_overloads() -> None:
    check_script(norms, [(torch.tensor([[3.0, -4.0], [1.0, 2.0]]),), (torch.ones(3, 1),)],
                 atol=1e-5)  # fmt: skip


@hybridjit.script
class Window:
    def __init__(self, lo: int, hi: int) -> None:
        self.lo = lo
        self.hi = hi

    def cut(self, x: torch.Tensor) -> torch.Tensor:
        return x[self.lo : self.hi]


class HoldsObject(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.window = Window(1, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.window.hi = x.size(0)
        return self.window.cut(x) * 2


def test_module_attribute_holding_a_script_class_object() -> None:
    x = torch.arange(5.0)
    for module in (HoldsObject(), HoldsObject()):
        compiled = hybridjit.script(module)
        for run in (compiled, compiled.using("interpreter"), torch.jit.script(HoldsObject())):
            torch.testing.assert_close(run(x), HoldsObject()(x))


class Link:
    def __init__(self, value: float) -> None:
        self.value = value
        self.next = None  # the field's type is NoneType, for torch.jit too


class HoldsChain(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.head = Link(1.0)
        self.head.next = Link(2.0)  # type: ignore[assignment]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.head.value


def test_an_object_whose_field_holds_what_its_type_cannot_is_refused() -> None:
    """torch.jit: "Could not cast attribute 'next' to type NoneType"; a compiled module that
    dropped the value would lose it on save."""
    with pytest.raises(RuntimeError, match="Could not cast attribute"):
        torch.jit.script(HoldsChain())
    with pytest.raises(hybridjit.FrontendError, match="field 'next' is typed None .* holds a Link"):
        hybridjit.script(HoldsChain())
