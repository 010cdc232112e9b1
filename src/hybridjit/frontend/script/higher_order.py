"""Builtins that take a function: `map`, `filter`, and `key=` of `sorted`/`min`/`max`/`list.sort`.

Each is written below as the plain Python it means (`_map`, `_sorted_by`, ...) and compiled
inline at the call with the function argument bound as a compile-time value
(`local_functions.specialize`), so a lambda, a nested def, a module function or a builtin
such as `abs`/`str`/`int` all work, and the graph holds ordinary loops. `map` and `filter`
are generators: `for y in map(f, xs)` interleaves `f` with the loop body as Python does.
Source ranges point at the user's call, not at this file.
"""

from __future__ import annotations

import builtins
import functools
from typing import TYPE_CHECKING, Any

from hybridjit.frontend.script import special_forms
from hybridjit.frontend.script.local_functions import (
    inline_call,
    is_function_value,
    partial_form,
    python_function,
)
from hybridjit.frontend.script.sugared import SimpleValue, SugaredTuple, SugaredValue
from hybridjit.ir import types as T

if TYPE_CHECKING:
    from hybridjit.frontend.script.compiler import FunctionCompiler as C
    from hybridjit.ir.graph import Value


# -- what the builtins mean (compiled by hybridjit, inline) ----------------------------------
def _map(fn, xs):  # noqa: ANN001, ANN202
    for x in xs:
        yield fn(x)


def _map2(fn, xs, ys):  # noqa: ANN001, ANN202
    for x, y in zip(xs, ys):
        yield fn(x, y)


def _filter(fn, xs):  # noqa: ANN001, ANN202
    for x in xs:
        if fn(x):
            yield x


def _filter_true(xs):  # noqa: ANN001, ANN202
    for x in xs:
        if x:
            yield x


def _sorted_by(xs, key, reverse: bool):  # noqa: ANN001, ANN202
    # A stable insertion sort on the keys (Python's sort is stable, also with reverse=True).
    out = [x for x in xs]
    keys = [key(x) for x in out]
    for i in range(1, len(out)):
        j = i
        while j > 0 and (keys[j - 1] < keys[j] if reverse else keys[j] < keys[j - 1]):
            keys[j - 1], keys[j] = keys[j], keys[j - 1]
            out[j - 1], out[j] = out[j], out[j - 1]
            j -= 1
    return out


def _sort_in_place(xs, key, reverse: bool):  # noqa: ANN001, ANN202
    out = _sorted_by(xs, key, reverse)
    for i in range(len(out)):
        xs[i] = out[i]


def _min_by(xs, key):  # noqa: ANN001, ANN202
    items = [x for x in xs]
    if len(items) == 0:
        raise ValueError("min() arg is an empty sequence")
    best = items[0]
    best_key = key(best)
    for i in range(1, len(items)):
        k = key(items[i])
        if k < best_key:
            best = items[i]
            best_key = k
    return best


def _max_by(xs, key):  # noqa: ANN001, ANN202
    items = [x for x in xs]
    if len(items) == 0:
        raise ValueError("max() arg is an empty sequence")
    best = items[0]
    best_key = key(best)
    for i in range(1, len(items)):
        k = key(items[i])
        if k > best_key:
            best = items[i]
            best_key = k
    return best


def _min_by_default(xs, key, default):  # noqa: ANN001, ANN202
    items = [x for x in xs]
    if len(items) == 0:
        return default
    return _min_by(items, key)


def _max_by_default(xs, key, default):  # noqa: ANN001, ANN202
    items = [x for x in xs]
    if len(items) == 0:
        return default
    return _max_by(items, key)


def _reduce(fn, xs):  # noqa: ANN001, ANN202
    items = [x for x in xs]
    if len(items) == 0:
        raise TypeError("reduce() of empty iterable with no initial value")
    acc = items[0]
    for i in range(1, len(items)):
        acc = fn(acc, items[i])
    return acc


def _reduce_from(fn, xs, initial):  # noqa: ANN001, ANN202
    acc = initial
    for x in xs:
        acc = fn(acc, x)
    return acc


# -- the handlers ----------------------------------------------------------------------------
def _inline(c: C, template: Any, args: list[SugaredValue]) -> SugaredValue:
    return inline_call(c, python_function(template, c.where), args, {})


def _map_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    if kwargs or len(args) not in (2, 3):
        c.fail(f"expected map(function, iterable) or map(function, iterable, iterable), found "
               f"{len(args)} arguments" + (" and keyword arguments" if kwargs else ""))  # fmt: skip
    return _inline(c, _map if len(args) == 2 else _map2, args)


def _filter_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    if kwargs or len(args) != 2:
        c.fail(f"expected filter(function, iterable), found {len(args)} arguments")
    if _is_none(args[0]):
        return _inline(c, _filter_true, args[1:])
    return _inline(c, _filter, args)


def _reduce_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    if kwargs or len(args) not in (2, 3):
        c.fail(f"expected reduce(function, iterable[, initial]), found {len(args)} arguments")
    return _inline(c, _reduce if len(args) == 2 else _reduce_from, args)


def _is_none(sv: SugaredValue) -> bool:
    return isinstance(sv, SimpleValue) and sv.v.type == T.NoneType


def _keyed(name: str, plain: Any) -> Any:
    """`min`/`max`/`sorted` with `key=`: the template; without one: the builtin as before."""
    by, by_default = {"min": (_min_by, _min_by_default), "max": (_max_by, _max_by_default),
                      "sorted": (_sorted_by, None)}[name]  # fmt: skip

    def handler(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        key = kwargs.get("key")
        if key is None or _is_none(key):
            rest = {k: v for k, v in kwargs.items() if k != "key"}
            return plain(c, args, rest)
        if not is_function_value(key):
            c.fail(f"expected a function as key= of {name}(), found {key.describe()}")
        items = args[0] if len(args) == 1 else _as_list(c, args)
        extra = set(kwargs) - {"key", "reverse" if name == "sorted" else "default"}
        if extra or not args:
            c.fail(f"expected {name}(iterable, key=...), found "
                   f"{'keyword ' + repr(sorted(extra)[0]) if extra else 'no iterable'}")  # fmt: skip
        if name == "sorted":
            reverse = kwargs.get("reverse") or SimpleValue(c.const(False))
            return _inline(c, by, [items, key, reverse])
        if "default" in kwargs:
            return _inline(c, by_default, [items, key, kwargs["default"]])
        return _inline(c, by, [items, key])

    return handler


def _as_list(c: C, args: list[SugaredValue]) -> SugaredValue:
    """`min(a, b, key=f)`: the arguments as one iterable."""
    if any(not isinstance(a, SimpleValue) for a in args):
        return SugaredTuple(list(args))
    return SimpleValue(c.make_list([a.value(c) for a in args], None))


def sort_list(c: C, xs: Value, args: list[SugaredValue],
              kwargs: dict[str, SugaredValue]) -> SugaredValue | None:  # fmt: skip
    """`xs.sort(key=f, reverse=r)` in place; None when there is no function key."""
    key = kwargs.get("key")
    if key is None or _is_none(key) or args:
        return None
    reverse = kwargs.get("reverse") or SimpleValue(c.const(False))
    return _inline(c, _sort_in_place, [SimpleValue(xs), key, reverse])


def _next_form(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
    """`next(generator)` / `next(generator, default)`: its first item (the generator is then
    used up: one `next` per generator)."""
    # deferred: generators.py imports the compiler's modules
    from hybridjit.frontend.script.generators import GeneratorValue, first_item

    if kwargs or not 1 <= len(args) <= 2 or not isinstance(args[0], GeneratorValue):
        c.fail("expected next(generator) or next(generator, default), found "
               + ", ".join(a.describe() for a in args))  # fmt: skip
    return first_item(c, args[0], args[1] if len(args) == 2 else None)


def _short_circuit(is_any: bool, plain: Any) -> Any:
    """`any`/`all` of a generator stop it at the deciding item; of a list, as before."""

    def handler(c: C, args: list[SugaredValue], kwargs: dict[str, SugaredValue]) -> SugaredValue:
        # deferred: generators.py imports the compiler's modules
        from hybridjit.frontend.script.generators import GeneratorValue, any_or_all

        if len(args) == 1 and not kwargs and isinstance(args[0], GeneratorValue) and \
                not args[0].unrolled:  # fmt: skip
            return any_or_all(c, args[0], is_any)
        return plain(c, args, kwargs)

    return handler


def _register() -> None:
    special_forms.register(builtins.next, _next_form)
    special_forms.register(functools.reduce, _reduce_form)
    special_forms.register(functools.partial, partial_form)
    special_forms.register(builtins.map, _map_form)
    special_forms.register(builtins.filter, _filter_form)
    for obj, is_any in ((builtins.any, True), (builtins.all, False)):
        special_forms.register(obj, _short_circuit(is_any, special_forms.lookup(obj)))
    for name in ("min", "max", "sorted"):
        obj = getattr(builtins, name)
        plain = special_forms.lookup(obj)
        special_forms.register(obj, _keyed(name, plain))


_register()
