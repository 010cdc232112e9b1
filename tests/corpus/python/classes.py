"""User context managers, dataclasses and class inheritance, compared with plain Python.

Programs return plain values (objects of the classes stay inside), and print inside
`__enter__`/`__exit__`/`__post_init__` so the order things ran in is compared too.
"""

import dataclasses
from typing import Dict, List, Optional

import torch

from tests.corpus import case, cases_in


# -- context managers --------------------------------------------------------------------------
class Tracker:
    def __init__(self, name: str):
        self.name = name
        self.depth = 0
        self.exits = 0

    def __enter__(self):
        print("enter", self.name)
        self.depth += 1
        return self

    def __exit__(self, exc_type, exc, tb):
        print("exit", self.name, exc_type is not None)
        self.depth -= 1
        self.exits += 1


class Suppress:
    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.caught = 0

    def __enter__(self) -> int:
        return 7

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is not None:
            print("suppressing" if self.quiet else "letting it through")
            self.caught += 1
            return self.quiet
        return False


class Accumulator:
    def __init__(self):
        self.items: List[int] = []

    def __enter__(self):
        self.items.append(-1)
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.items.append(-2)
        return False

    def add(self, v: int):
        self.items.append(v)


class Journal:
    def __init__(self):
        self.log: List[str] = []

    def __enter__(self):
        self.log.append("open")
        return self.log

    def __exit__(self, exc_type, exc, tb):
        self.log.append("failed" if exc is not None else "closed")


@case((1,), (5,), torchscript_ok=False)
def cls_with_basic(n: int) -> int:
    t = Tracker("a")
    with t:
        print("inside", t.depth)
        n = n * 2
    return n + t.depth


@case((1,), (-1,), torchscript_ok=False)
def cls_with_as_target(n: int) -> int:
    with Tracker("b") as tr:
        print("depth", tr.depth)
        if n < 0:
            return -tr.depth
    return tr.exits * 10 + tr.depth


@case((2,), (-2,), torchscript_ok=False)
def cls_with_exception_propagates(n: int) -> int:
    t = Tracker("c")
    with t:
        if n < 0:
            raise ValueError("negative")
        print("no error")
    return n


@case((True, 1), (True, -1), (False, 1), (False, -1), torchscript_ok=False)
def cls_with_suppress(quiet: bool, n: int) -> int:
    s = Suppress(quiet)
    r = 0
    with s as seven:
        r = seven
        if n < 0:
            raise RuntimeError("boom")
        r = r + n
    print("after with", r, s.caught)
    return r


@case(([1, 2, 3],), ([],), torchscript_ok=False)
def cls_with_loop_inside(xs: List[int]) -> List[int]:
    acc = Accumulator()
    with acc as a:
        for x in xs:
            a.add(x * x)
    return acc.items


@case(([1, 5, 2, 8],), ([9],), torchscript_ok=False)
def cls_with_break_in_loop(xs: List[int]) -> int:
    t = Tracker("loop")
    total = 0
    for x in xs:
        with t:
            if x > 4:
                break
            total += x
    return total * 100 + t.exits


@case((1,), (-1,), torchscript_ok=False)
def cls_with_nested(n: int) -> int:
    outer = Tracker("outer")
    inner = Tracker("inner")
    try:
        with outer:
            with inner:
                if n < 0:
                    raise KeyError("k")
                print("both entered")
    except KeyError:
        print("caught after both exits", outer.exits, inner.exits)
    return outer.exits + inner.exits


@case((3,), torchscript_ok=False)
def cls_with_two_items(n: int) -> int:
    a = Tracker("first")
    b = Tracker("second")
    with a, b:
        print("body", a.depth + b.depth)
    return a.exits + b.exits + n


@case((torch.ones(2, requires_grad=True),), torchscript_ok=False)
def cls_with_grad_and_user(x: torch.Tensor) -> bool:
    t = Tracker("g")
    with torch.no_grad(), t:
        y = x * 2
    return y.requires_grad


@case((2,), (-2,), torchscript_ok=False)
def cls_with_journal(n: int) -> List[str]:
    j = Journal()
    try:
        with j as log:
            log.append("working")
            if n < 0:
                raise IndexError("bad")
            log.append("worked")
    except IndexError:
        j.log.append("handled")
    return j.log


@case((4,), (0,), torchscript_ok=False)
def cls_with_return_inside(n: int) -> int:
    t = Tracker("r")
    with t:
        if n == 0:
            return -1
        print("computing")
    return 12 // n


# -- dataclasses ---------------------------------------------------------------------------------
@dataclasses.dataclass
class Point:
    x: int
    y: int = 0

    def norm1(self) -> int:
        return abs(self.x) + abs(self.y)


@dataclasses.dataclass
class Bag:
    name: str
    items: List[int] = dataclasses.field(default_factory=list)
    counts: Dict[str, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Rect:
    w: float
    h: float

    def __post_init__(self):
        print("made rect", self.w, self.h)
        self.area = self.w * self.h


@dataclasses.dataclass(frozen=True)
class Frozen:
    a: int
    b: str = "b"


@dataclasses.dataclass
class Scaled:
    value: float
    factor: float = 2.0
    label: Optional[str] = None

    def scaled(self) -> float:
        return self.value * self.factor


@case((3, 4), (-1, 0), torchscript_ok=False)
def cls_dataclass_fields(x: int, y: int) -> int:
    p = Point(x, y)
    return p.x * 10 + p.y


@case((5,), (-5,), torchscript_ok=False)
def cls_dataclass_default(x: int) -> int:
    p = Point(x)
    q = Point(y=x, x=1)
    return p.norm1() + q.norm1()


@case((2,), (-7,), torchscript_ok=False)
def cls_dataclass_repr(x: int) -> str:
    p = Point(x, x + 1)
    print(p)
    return str(p)


@case((3,), (0,), torchscript_ok=False)
def cls_dataclass_default_factory(n: int) -> int:
    b = Bag("bag")
    for i in range(n):
        b.items.append(i)
    b.counts["n"] = n
    c = Bag("other")
    return len(b.items) + len(c.items) + b.counts["n"]


@case((2.0, 3.0), (0.5, 4.0), torchscript_ok=False)
def cls_dataclass_post_init(w: float, h: float) -> float:
    r = Rect(w, h)
    return r.area + r.w


@case((1,), (2,), torchscript_ok=False)
def cls_dataclass_frozen_read(a: int) -> str:
    f = Frozen(a)
    return f.b * f.a


@case((1,), torchscript_ok=False)
def cls_dataclass_frozen_assign(a: int) -> int:
    f = Frozen(a, "x")
    f.a = 5
    return f.a


@case((1,), (3,), torchscript_ok=False)
def cls_dataclass_frozen_caught(a: int) -> int:
    f = Frozen(a)
    try:
        f.a = a + 1
    except dataclasses.FrozenInstanceError:
        print("cannot assign")
        return -a
    return a


@case((1.5,), (-2.0,), torchscript_ok=False)
def cls_dataclass_optional_field(v: float) -> float:
    s = Scaled(v)
    t = Scaled(v, 3.0, "three")
    print(s)
    extra = 1.0 if t.label is not None else 0.0
    return s.scaled() + t.scaled() + extra


@case((2, 3), (0, 0), torchscript_ok=False)
def cls_dataclass_mutate(x: int, y: int) -> int:
    p = Point(x, y)
    p.x = p.x + 10
    p.y *= 2
    return p.norm1()


@case((4,), (1,), torchscript_ok=False)
def cls_dataclass_in_list(n: int) -> int:
    pts = [Point(i, i * i) for i in range(n)]
    total = 0
    for p in pts:
        total += p.norm1()
    return total


@case((3, 3), (3, 4), torchscript_ok=False)
def cls_dataclass_eq(a: int, b: int) -> bool:
    return Point(a, 1) == Point(b, 1)


# -- inheritance ---------------------------------------------------------------------------------
class Shape:
    sides = 0
    label = "shape"

    def __init__(self, size: float):
        self.size = size

    def area(self) -> float:
        return 0.0

    def describe(self) -> str:
        return self.label + " with " + str(self.sides) + " sides, area " + str(self.area())

    def double(self) -> float:
        return 2.0 * self.area()


class Square(Shape):
    sides = 4
    label = "square"

    def area(self) -> float:
        return self.size * self.size


class Triangle(Shape):
    sides = 3
    label = "triangle"

    def __init__(self, size: float, height: float):
        super().__init__(size)
        self.height = height

    def area(self) -> float:
        return 0.5 * self.size * self.height


class Counter:
    def __init__(self, start: int):
        self.count = start

    def step(self) -> int:
        self.count += 1
        return self.count


class LoudCounter(Counter):
    def __init__(self, start: int, tag: str):
        super().__init__(start)
        self.tag = tag

    def step(self) -> int:
        v = super().step()
        print(self.tag, v)
        return v


class TwiceCounter(LoudCounter):
    def step(self) -> int:
        super().step()
        return super().step()


@case((2.0,), (0.5,), torchscript_ok=False)
def cls_inherit_override(s: float) -> float:
    return Square(s).area() + Shape(s).area()


@case((3.0,), torchscript_ok=False)
def cls_inherit_method_uses_override(s: float) -> str:
    sq = Square(s)
    print(sq.describe())
    return Shape(s).describe()


@case((2.0, 5.0), (1.0, 1.0), torchscript_ok=False)
def cls_inherit_super_init(s: float, h: float) -> float:
    t = Triangle(s, h)
    return t.area() + t.size + t.height


@case((2.0,), torchscript_ok=False)
def cls_inherit_inherited_method(s: float) -> float:
    return Square(s).double() + Triangle(s, 1.0).double()


@case((0,), (10,), torchscript_ok=False)
def cls_inherit_super_method(start: int) -> int:
    c = LoudCounter(start, "tick")
    c.step()
    return c.step()


@case((1,), (5,), torchscript_ok=False)
def cls_inherit_chain(start: int) -> int:
    c = TwiceCounter(start, "twice")
    return c.step() * 100 + c.count


@case((4,), torchscript_ok=False)
def cls_inherit_class_attribute(n: int) -> int:
    return Square(1.0).sides * n + Triangle(1.0, 1.0).sides + Shape(1.0).sides


# -- combinations -------------------------------------------------------------------------------
class Opener:
    def __init__(self, fail_enter: bool):
        self.fail_enter = fail_enter
    def __enter__(self) -> int:
        print("entering")
        if self.fail_enter:
            raise RuntimeError("enter failed")
        return 5
    def __exit__(self, exc_type, exc, tb):
        print("exiting")

class BadExit:
    def __enter__(self):
        return self
    def __exit__(self, exc_type, exc, tb):
        print("bad exit", exc is None)
        raise KeyError("from exit")

@dataclasses.dataclass
class Base2:
    a: int
    b: int = 1

@dataclasses.dataclass
class Derived2(Base2):
    c: int = 2
    def total(self) -> int:
        return self.a + self.b + self.c

@dataclasses.dataclass
class WithPost(Base2):
    def __post_init__(self):
        print("post", self.a)
        self.sq = self.a * self.a

class Node:
    def __init__(self, v: int):
        self.v = v
        self.scale = 2
    def get(self) -> int:
        return self.v * self.scale

class Holder:
    def __init__(self, n: Node, name: str):
        self.node = n
        self.name = name
    def value(self) -> int:
        return self.node.get() + len(self.name)

class Defaults:
    limit = 10
    def clamp(self, x: int) -> int:
        return min(x, self.limit)

class Animal:
    def __init__(self, name: str):
        self.name = name
    def sound(self) -> str:
        return "..."
    def speak(self) -> str:
        return self.name + " says " + self.sound()

class Dog(Animal):
    def __init__(self, name: str, loud: bool):
        super().__init__(name)
        self.loud = loud
    def sound(self) -> str:
        s = "woof"
        return s.upper() if self.loud else s
    def speak(self) -> str:
        return "[" + super().speak() + "]"

@dataclasses.dataclass
class Vec:
    x: float
    y: float
    def dot(self, o: "Vec") -> float:
        return self.x * o.x + self.y * o.y

class Safe:
    def __init__(self, xs: List[int]):
        self.xs = xs
    def at(self, i: int) -> int:
        try:
            return self.xs[i]
        except IndexError:
            return -1


@case((False,), (True,), torchscript_ok=False)
def cls_with_enter_raises(fail: bool) -> int:
    try:
        with Opener(fail) as v:
            print("body", v)
            return v
    except RuntimeError:
        print("caught enter failure")
        return -1


@case((1,), (-1,), torchscript_ok=False)
def cls_with_exit_raises(n: int) -> int:
    try:
        with BadExit():
            if n < 0:
                raise ValueError("v")
            print("body ok")
    except KeyError:
        print("key error from exit")
        return 1
    except ValueError:
        return 2
    return 0


@case((1,), (-4,), torchscript_ok=False)
def cls_dataclass_inherited_fields(a: int) -> int:
    d = Derived2(a, c=5)
    print(d)
    return d.total()


@case((3,), (0,), torchscript_ok=False)
def cls_dataclass_inherited_post_init(a: int) -> int:
    w = WithPost(a)
    return w.sq + w.b


@case((2, "ab"), (-1, ""), torchscript_ok=False)
def cls_object_field_holds_object(v: int, name: str) -> int:
    h = Holder(Node(v), name)
    h.node.scale = 3
    return h.value()


@case((3,), (30,), torchscript_ok=False)
def cls_class_attribute_default(x: int) -> int:
    return Defaults().clamp(x)


@case((True,), (False,), torchscript_ok=False)
def cls_inherit_super_and_override(loud: bool) -> str:
    d = Dog("rex", loud)
    a = Animal("cat")
    print(a.speak())
    return d.speak()


@case((1.0, 2.0), (1.0, 1.0), torchscript_ok=False)
def cls_dataclass_eq_ne_and_method(a: float, b: float) -> float:
    u = Vec(a, b)
    v = Vec(b, a)
    print(u == v, u != v)
    return u.dot(v)


@case((1,), (9,), torchscript_ok=False)
def cls_method_with_try(i: int) -> int:
    return Safe([1, 2, 3]).at(i)


@case((1,), (2,), torchscript_ok=False)
def cls_dataclass_inherited_eq(a: int) -> bool:
    return Derived2(a) == Derived2(a, 1, 2)


CASES = cases_in(globals())

UNSUPPORTED: dict = {}
