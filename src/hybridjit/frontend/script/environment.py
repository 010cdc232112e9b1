"""Per-block variable environments, and how two branches (or a loop body) merge.

Each `if` branch and loop body gets an `Env` whose parent is the enclosing one.  A variable
assigned in a branch becomes a `prim::If` output; one assigned in a loop body and defined
before the loop becomes a loop-carried value.  Early exits are tracked with hidden flag
variables (`$ret`, `$brk`, `$cont`) that flow through the same machinery, which is how
`return`/`break`/`continue` are lowered to If outputs and loop conditions (as TorchScript's
exit transform does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hybridjit.frontend.script.sugared import SugaredValue
    from hybridjit.ir import types as T
    from hybridjit.ir.graph import Block

RET_FLAG = "$ret"
RET_VAL = "$retval"
BREAK_FLAG = "$brk"
CONTINUE_FLAG = "$cont"
EXIT_FLAGS = (RET_FLAG, BREAK_FLAG, CONTINUE_FLAG)


def is_hidden(name: str) -> bool:
    return name.startswith("$")


def debug_name(name: str) -> str | None:
    """The name a variable's values print with: `i$3` (a comprehension's `i`) prints as `i`,
    hidden variables print unnamed; `$` never reaches the graph (TorchScript never prints it)."""
    return None if is_hidden(name) else name.split("$")[0]


class Env:
    """Variables bound in one block, plus how control leaves it."""

    def __init__(self, parent: Env | None, block: Block | None) -> None:
        self.parent = parent
        self.block = block
        self.vars: dict[str, SugaredValue] = {}
        self.refined: set[str] = set()  # bound here only by a type refinement
        self.dead = False  # control never continues past this block normally (raise/return)
        self.exited = False  # control does not fall off the end (dead, break or continue)
        self.may_set: set[str] = set()  # exit flags that may be True at the end
        # Types from annotated assignments (`x: Optional[float] = None`), TorchScript's
        # type_table: later plain assignments to `x` convert to it (a Scalar to float).
        self.declared: dict[str, T.Type] = {}

    def lookup(self, name: str) -> SugaredValue | None:
        env: Env | None = self
        while env is not None:
            if name in env.vars:
                return env.vars[name]
            env = env.parent
        return None

    def declared_type(self, name: str) -> T.Type | None:
        env: Env | None = self
        while env is not None:
            if name in env.declared:
                return env.declared[name]
            env = env.parent
        return None

    def set(self, name: str, value: SugaredValue, refinement: bool = False) -> None:
        self.vars[name] = value
        if refinement:
            self.refined.add(name)
        else:
            self.refined.discard(name)

    def assigned(self) -> list[str]:
        """Names really assigned (not just refined) in this block, in first-assignment order."""
        return [n for n in self.vars if n not in self.refined]
