"""Enum classes in archives: stored as data, rebuilt with `enum.Enum`'s functional API.

Graph text names an enum member (`prim::Constant[value=__torch__.Color.RED]()`) but cannot
hold its Python class.  The archive stores each enum class whose members a graph uses:

    model.json "enums": [{"name": "__torch__.Color", "value_type": "int",
                          "members": [["RED", 1], ["GREEN", 2]]}, ...]

and loading builds `enum.Enum("Color", [("RED", 1), ("GREEN", 2)])` — an equivalent class
made from names and values alone, so nothing from the archive is imported or executed.
Loaded graphs hold members of the rebuilt class; saving them again gives the same record.
Module attributes holding members are saved by member name (`values.py`) and register their
class here the same way.
"""

from __future__ import annotations

import enum
import keyword
import math
import re
from typing import Any, Iterator

from hybridjit.errors import ArchiveError
from hybridjit.ir import types as T
from hybridjit.ir.graph import Graph
from hybridjit.ir.printer import EnumConstant
from hybridjit.serialization.checks import check_qualified_name
from hybridjit.serialization.jsonio import field, pairs
from hybridjit.serialization.values import decode, encode

MAX_MEMBERS = 10_000  # per enum
MAX_TOTAL_MEMBERS = 100_000  # per archive: building classes costs time, keep it bounded
# A leading letter keeps out `_sunder_` and `__dunder__` names, which Enum treats specially.
_MEMBER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,199}$")
VALUE_TYPES: dict[str, T.Type] = {"int": T.IntType, "float": T.FloatType, "str": T.StrType}
_VALUE_TYPE_NAMES = {int: "int", float: "float", str: "str"}


def _no_tensors(t: Any) -> int:
    raise ArchiveError("enum values cannot be tensors")


# ---------------------------------------------------------------------------------------------
# saving


class EnumWriter:
    """Collects the enum classes whose members appear as constants in the saved graphs."""

    def __init__(self) -> None:
        self.classes: dict[str, type[enum.Enum]] = {}
        self.records: list[dict[str, Any]] = []

    def add_graph(self, graph: Graph, printed: Graph, where: str) -> None:
        """Record the classes of `graph`'s enum constants under the names `printed` reads.

        `printed` is `graph` printed and parsed back, node for node: the parser says which
        qualified name the text gives each member, which is what loading will look up.
        """
        nodes, read = list(graph.all_nodes()), list(printed.all_nodes())
        if len(nodes) != len(read):
            raise ArchiveError(f"{where}: the printed graph parses back to {len(read)} nodes, "
                               f"not {len(nodes)}")  # fmt: skip
        for node, back in zip(nodes, read):
            for name, value in node.attributes.items():
                for member, named in _paired_enums(value, back.attributes.get(name), where):
                    self._add(named.qualified_class, type(member), where)

    def add_type(self, t: T.Type, where: str, seen: set[str] | None = None) -> None:
        """Record the enum classes inside type `t` (a module attribute's: `List[Color]`, or a
        field's of a script-class object)."""
        seen = set() if seen is None else seen
        if isinstance(t, T.EnumType):
            if not isinstance(t.python_class, type) or not issubclass(t.python_class, enum.Enum):
                raise ArchiveError(f"{where}: cannot save values of {t}: its enum class is unknown")
            self._add(t.qualified_name, t.python_class, where)
        inner = list(t.contained())
        if isinstance(t, T.ClassType) and not t.is_module and t.qualified_name not in seen:
            seen.add(t.qualified_name)
            inner += t.attributes.values()
        for i in inner:
            self.add_type(i, where, seen)

    def _add(self, qualified: str, cls: type[enum.Enum], where: str) -> None:
        known = self.classes.get(qualified)
        if known is cls:
            return
        if known is not None:
            raise ArchiveError(f"{where}: two different enum classes are both named {qualified}")
        record = enum_record(qualified, cls, where)
        build_enum(record, where)  # never write what loading would refuse
        self.classes[qualified] = cls
        self.records.append(record)


def _paired_enums(value: Any, read: Any, where: str) -> Iterator[tuple[enum.Enum, EnumConstant]]:
    """Each enum member inside constant `value`, with what the parser read in its place."""
    if isinstance(value, enum.Enum):
        if not isinstance(read, EnumConstant) or read.name != value.name:
            raise ArchiveError(f"{where}: the enum constant {value} does not print as a "
                               f"member of its enum type (read back {read!s:.80})")  # fmt: skip
        yield value, read
    elif isinstance(value, (list, tuple)) and isinstance(read, (list, tuple)):
        for v, r in zip(value, read):
            yield from _paired_enums(v, r, where)
    elif isinstance(value, dict) and isinstance(read, dict):
        for (k, v), (rk, rv) in zip(value.items(), read.items()):
            yield from _paired_enums(k, rk, where)
            yield from _paired_enums(v, rv, where)


def enum_record(qualified: str, cls: type[enum.Enum], where: str) -> dict[str, Any]:
    """The model.json record of enum class `cls` (members in definition order, no aliases)."""
    members = list(cls)
    kinds = {type(m.value) for m in members}
    if len(kinds) != 1 or next(iter(kinds)) not in _VALUE_TYPE_NAMES:
        found = ", ".join(sorted(k.__name__ for k in kinds))
        raise ArchiveError(f"{where}: cannot save enum {qualified}: its values must all be int, "
                           f"all float or all str, found {found}")  # fmt: skip
    value_type = _VALUE_TYPE_NAMES[kinds.pop()]
    t = VALUE_TYPES[value_type]
    return {"name": qualified, "value_type": value_type,
            "members": [[m.name, encode(m.value, t, _no_tensors)] for m in members]}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# loading


def build_enums(records: Any, where: str) -> dict[str, type[enum.Enum]]:
    """The enum classes described by model.json's "enums" list, by qualified name."""
    if not isinstance(records, list):
        raise ArchiveError(f'{where}: "enums" must be a list, got {type(records).__name__}')
    out: dict[str, type[enum.Enum]] = {}
    total = 0
    for i, record in enumerate(records):
        name = check_qualified_name(field(record, "name", str, f"enum {i}"), "enum name")
        if name in out:
            raise ArchiveError(f"enum {name!r} is defined twice")
        total += len(field(record, "members", list, f"enum {name}"))
        if total > MAX_TOTAL_MEMBERS:
            raise ArchiveError(f"{where}: enums hold more than {MAX_TOTAL_MEMBERS} members in all")
        out[name] = build_enum(record, f"enum {name}")
    return out


def build_enum(record: Any, where: str) -> type[enum.Enum]:
    """One enum class from its record, every field checked as untrusted input."""
    qualified = check_qualified_name(field(record, "name", str, where), "enum name")
    value_type = field(record, "value_type", str, where)
    if value_type not in VALUE_TYPES:
        raise ArchiveError(f"{where}: enum value_type must be int, float or str, "
                           f"got {value_type[:40]!r}")  # fmt: skip
    items = pairs(field(record, "members", list, where), where)
    if not 0 < len(items) <= MAX_MEMBERS:
        raise ArchiveError(f"{where}: an enum has 1 to {MAX_MEMBERS} members, got {len(items)}")
    members = [(_member_name(n, where), decode(v, VALUE_TYPES[value_type], _no_tensors, where))
               for n, v in items]  # fmt: skip
    _check_distinct([v for _, v in members], where)
    return _functional_enum(qualified, members, where)


def _member_name(name: str, where: str) -> str:
    if not _MEMBER.match(name) or keyword.iskeyword(name):
        raise ArchiveError(f"{where}: enum member name {name[:60]!r} is not a plain identifier "
                           "(a letter, then letters, digits and '_')")  # fmt: skip
    return name


def _check_distinct(values: list[Any], where: str) -> None:
    # Aliases would make a member print under another name: saving again would change bytes.
    keys = ["nan" if isinstance(v, float) and math.isnan(v) else v for v in values]
    if len(set(keys)) != len(keys):
        raise ArchiveError(f"{where}: enum member values must be distinct")


def _functional_enum(qualified: str, members: list[tuple[str, Any]], where: str) -> type[enum.Enum]:
    short = qualified.rsplit(".", 1)[-1]
    try:
        cls = enum.Enum(short, members, module=__name__,
                        qualname=qualified.removeprefix("__torch__."))  # fmt: skip
    except (ValueError, TypeError) as e:
        raise ArchiveError(f"{where}: invalid enum: {str(e)[:200]}") from None
    if [m.name for m in cls] != [n for n, _ in members]:
        raise ArchiveError(f"{where}: enum member names {[n for n, _ in members][:10]} do not "
                           "all define members")  # fmt: skip
    return cls


def enum_types(classes: dict[str, type[enum.Enum]]) -> dict[str, T.EnumType]:
    """The IR type of each rebuilt class, for the parser to give `Enum<name>` values."""
    return {
        name: T.EnumType(name, VALUE_TYPES[_VALUE_TYPE_NAMES[type(next(iter(cls)).value)]],
                         tuple(m.name for m in cls), cls)
        for name, cls in classes.items()
    }  # fmt: skip


def bind_enum_constants(graph: Graph, classes: dict[str, type[enum.Enum]], where: str) -> None:
    """Replace each `EnumConstant` the parser left in `graph` by the rebuilt class's member."""
    for node in graph.all_nodes():
        for name, value in list(node.attributes.items()):
            if _holds_enum_constant(value):
                node.attributes[name] = _bound(value, classes, where)


def _holds_enum_constant(value: Any) -> bool:
    if isinstance(value, EnumConstant):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_enum_constant(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_enum_constant(k) or _holds_enum_constant(v) for k, v in value.items())
    return False


def _bound(value: Any, classes: dict[str, type[enum.Enum]], where: str) -> Any:
    if isinstance(value, EnumConstant):
        cls = classes.get(value.qualified_class)
        if cls is None:
            raise ArchiveError(f"{where}: enum constant {str(value)[:120]} names an enum the "
                               "archive does not define")  # fmt: skip
        if value.name not in cls.__members__:
            raise ArchiveError(f"{where}: enum {value.qualified_class} has no member "
                               f"{value.name[:60]!r}")  # fmt: skip
        return cls.__members__[value.name]
    if isinstance(value, list):
        return [_bound(v, classes, where) for v in value]
    if isinstance(value, tuple):
        return tuple(_bound(v, classes, where) for v in value)
    if isinstance(value, dict):
        return {_bound(k, classes, where): _bound(v, classes, where) for k, v in value.items()}
    return value
