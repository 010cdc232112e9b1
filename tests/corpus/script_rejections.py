"""Functions that `torch.jit.script` rejects; a TorchScript-like compiler must reject them too.

Each `Rejection` names the function, `culprit` (an exact substring of the source line the
error should point at) and `what` (a short lowercase keyword a good error message would
contain).  None of these functions is ever called; several are not even valid at runtime.
"""

import os
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple, Union

import torch


@dataclass
class Rejection:
    fn: Callable
    culprit: str
    what: str

    @property
    def name(self) -> str:
        return self.fn.__name__


def _rej_helper_two(a: int, b: int) -> int:
    return a + b


# --- names and scoping ------------------------------------------------------


def rej_name_not_defined(x: int) -> int:
    y = x + 1
    return y + undefined_name  # noqa: F821


def rej_defined_in_one_branch(flag: bool) -> int:
    if flag:
        y = 1
    return y


def rej_use_after_del(x: int) -> int:
    y = x * 2
    del y
    return y + 1


def rej_global_statement(x: int) -> int:
    global _REJ_COUNTER
    return x


def rej_bad_local_annotation(x: int) -> int:
    y: UnknownType = x  # noqa: F821
    return y


def rej_bad_param_annotation(x: "NoSuchType") -> int:  # noqa: F821
    return 1


# --- type errors --------------------------------------------------------------


def rej_branch_type_mismatch(flag: bool) -> str:
    if flag:
        v = 1
    else:
        v = "one"
    return str(v)


def rej_return_type_mismatch(flag: bool):
    if flag:
        return 1
    return "one"


def rej_return_annotation_mismatch(x: int) -> int:
    return "x" + str(x)


def rej_add_int_str(x: int) -> str:
    y = x + 'a'
    return y


def rej_list_mixed_types(x: int) -> int:
    xs = [1, "a", 2.5]
    return xs[0] + 1


def rej_dict_mixed_values(x: int) -> int:
    d = {"a": 1, "b": "two"}
    return d["a"] + 1


def rej_annotated_list_wrong_elements(x: int) -> int:
    xs: List[int] = [1.5, 2.5]
    return len(xs)


def rej_empty_list_append_int(n: int) -> int:
    xs = []
    xs.append(n)
    return len(xs)


def rej_attribute_of_int(x: int) -> int:
    return x.numerator_typo


def rej_index_int(x: int) -> int:
    return x[0]


def rej_optional_not_refined(x: Optional[int]) -> int:
    return x + 1


def rej_union_not_refined(x: Union[int, str]) -> int:
    return x * 2


def rej_assign_into_tuple(t: Tuple[int, int]) -> Tuple[int, int]:
    t[0] = 5
    return t


def rej_str_has_no_append(s: str) -> str:
    s.append("x")
    return s


def rej_tensor_unknown_method(x: torch.Tensor) -> torch.Tensor:
    return x.definitely_not_a_method()


def rej_call_an_int(x: int) -> int:
    return x(1)


def rej_loop_var_type_change(n: int) -> int:
    acc = 0
    for i in range(n):
        acc = "s"
    return n


def rej_missing_return_path(x: int) -> int:
    if x > 0:
        return 1


# --- calls ----------------------------------------------------------------------


def rej_helper_too_many_args(x: int) -> int:
    return _rej_helper_two(x, 1, 2)


def rej_helper_too_few_args(x: int) -> int:
    return _rej_helper_two(x)


def rej_helper_unknown_keyword(x: int) -> int:
    return _rej_helper_two(x, c=3)


def rej_helper_wrong_arg_type(x: int) -> int:
    return _rej_helper_two(x, "two")


def rej_torch_op_unknown_keyword(n: int) -> torch.Tensor:
    return torch.zeros(n, colour=3)


def rej_python_builtin_not_supported(x: int) -> int:
    d = os.getcwd()
    return x + len(d)


def rej_sorted_reverse_keyword(xs: List[int]) -> List[int]:
    return sorted(xs, reverse=True)


def rej_round_ndigits(x: float) -> float:
    return round(x, 2)


def rej_max_default_keyword(xs: List[int]) -> int:
    return max(xs, default=0)


def rej_reversed_builtin(xs: List[int]) -> List[int]:
    return list(reversed(xs))


def rej_str_times_int(s: str) -> str:
    return s * 3


def rej_int_invert(x: int) -> int:
    return ~x


# --- unsupported constructs -------------------------------------------------------


def rej_yield(n: int):
    for i in range(n):
        yield i


def rej_with_open(path: str) -> str:
    with open(path) as fh:
        return fh.read()


def rej_starred_assignment(xs: List[int]) -> int:
    first, *rest = xs
    return first


def rej_set_literal(x: int) -> int:
    s = {1, 2, x}
    return len(s)


async def rej_async_def(x: int) -> int:
    return x


def rej_varargs(*args: int) -> int:
    return len(args)


def rej_kwargs(**kwargs: int) -> int:
    return len(kwargs)


def rej_for_else(xs: List[int]) -> int:
    for x in xs:
        if x > 0:
            break
    else:
        return -1
    return 1


def rej_while_else(n: int) -> int:
    while n > 0:
        n -= 1
    else:
        n = 5
    return n


def rej_walrus(x: int) -> int:
    if (y := x + 1) > 2:
        return y
    return 0


def rej_floordiv_augassign(x: int) -> int:
    x //= 2
    return x


def rej_comprehension_if(xs: List[int]) -> List[int]:
    return [x for x in xs if x > 0]


def rej_fstring_format_spec(x: float) -> str:
    return f"{x:.3f}"


def rej_import_in_body(x: int) -> int:
    import math

    return x + int(math.pi)


def rej_class_in_body(x: int) -> int:
    class Local:
        pass

    return x


def rej_scalar_in_annotated_assignment(x: torch.Tensor) -> int:
    n: int = x.sum().item()
    return n


REJECTIONS = [
    Rejection(rej_name_not_defined, "undefined_name", "undefined"),
    Rejection(rej_defined_in_one_branch, "return y", "defined"),
    Rejection(rej_use_after_del, "return y + 1", "undefined"),
    Rejection(rej_global_statement, "global _REJ_COUNTER", "global"),
    Rejection(rej_bad_local_annotation, "UnknownType", "unknown"),
    Rejection(rej_bad_param_annotation, "NoSuchType", "unknown"),
    Rejection(rej_branch_type_mismatch, 'v = "one"', "type"),
    Rejection(rej_return_type_mismatch, 'return "one"', "type"),
    Rejection(rej_return_annotation_mismatch, 'return "x" + str(x)', "type"),
    Rejection(rej_add_int_str, "y = x + 'a'", "type"),
    Rejection(rej_list_mixed_types, "return xs[0] + 1", "type"),
    Rejection(rej_dict_mixed_values, 'return d["a"] + 1', "type"),
    Rejection(rej_annotated_list_wrong_elements, "xs: List[int] = [1.5, 2.5]", "type"),
    Rejection(rej_empty_list_append_int, "xs.append(n)", "type"),
    Rejection(rej_attribute_of_int, "x.numerator_typo", "attribute"),
    Rejection(rej_index_int, "x[0]", "subscriptable"),
    Rejection(rej_optional_not_refined, "return x + 1", "optional"),
    Rejection(rej_union_not_refined, "return x * 2", "union"),
    Rejection(rej_assign_into_tuple, "t[0] = 5", "tuple"),
    Rejection(rej_str_has_no_append, 's.append("x")', "append"),
    Rejection(rej_tensor_unknown_method, "x.definitely_not_a_method()", "attribute"),
    Rejection(rej_call_an_int, "x(1)", "call"),
    Rejection(rej_loop_var_type_change, 'acc = "s"', "type"),
    Rejection(rej_missing_return_path, "def rej_missing_return_path", "return"),
    Rejection(rej_helper_too_many_args, "_rej_helper_two(x, 1, 2)", "argument"),
    Rejection(rej_helper_too_few_args, "_rej_helper_two(x)", "argument"),
    Rejection(rej_helper_unknown_keyword, "_rej_helper_two(x, c=3)", "keyword"),
    Rejection(rej_helper_wrong_arg_type, '_rej_helper_two(x, "two")', "type"),
    Rejection(rej_torch_op_unknown_keyword, "torch.zeros(n, colour=3)", "keyword"),
    Rejection(rej_python_builtin_not_supported, "os.getcwd()", "supported"),
    Rejection(rej_sorted_reverse_keyword, "sorted(xs, reverse=True)", "keyword"),
    Rejection(rej_round_ndigits, "round(x, 2)", "argument"),
    Rejection(rej_max_default_keyword, "max(xs, default=0)", "keyword"),
    Rejection(rej_reversed_builtin, "reversed(xs)", "reversed"),
    Rejection(rej_str_times_int, "s * 3", "type"),
    Rejection(rej_int_invert, "~x", "type"),
    Rejection(rej_yield, "yield i", "yield"),
    Rejection(rej_with_open, "open(path)", "open"),
    Rejection(rej_starred_assignment, "first, *rest = xs", "starred"),
    Rejection(rej_set_literal, "{1, 2, x}", "set"),
    Rejection(rej_async_def, "async def rej_async_def", "async"),
    Rejection(rej_varargs, "*args: int", "variable"),
    Rejection(rej_kwargs, "**kwargs: int", "variable"),
    Rejection(rej_for_else, "for x in xs:", "else"),
    Rejection(rej_while_else, "else:", "else"),
    Rejection(rej_walrus, "(y := x + 1)", "supported"),
    Rejection(rej_floordiv_augassign, "x //= 2", "augmented"),
    Rejection(rej_comprehension_if, "[x for x in xs if x > 0]", "comprehension"),
    Rejection(rej_fstring_format_spec, 'f"{x:.3f}"', "format"),
    Rejection(rej_import_in_body, "import math", "import"),
    Rejection(rej_class_in_body, "class Local:", "class"),
    Rejection(rej_scalar_in_annotated_assignment, "n: int = x.sum().item()", "number"),
]
