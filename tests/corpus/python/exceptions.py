"""try / except / else / finally, raise (from), assert and re-raise, compared with plain Python.

Each program runs on inputs that raise and inputs that don't; handlers and `finally` blocks
print, so the order things ran in is compared too.
"""

from typing import Dict, List, Optional

import torch

from tests.corpus import case, cases_in

T = torch.tensor


def _parse_positive(s: str) -> int:
    n = int(s)
    if n <= 0:
        raise ValueError("not positive: " + s)
    return n


def _checked_div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("b is zero")
    return a // b


def _safe_get(xs: List[int], i: int) -> int:
    try:
        return xs[i]
    except IndexError:
        return -1


class _UserError(Exception):
    pass


@case((T([1.0, 2.0, 3.0]), 1), (T([1.0, 2.0, 3.0]), 5), (T([4.0]), -1), torchscript_ok=False)
def exc_tensor_index(x: torch.Tensor, i: int) -> float:
    try:
        y = float(x[i])
    except IndexError:
        print("index out of range")
        y = -1.0
    return y


@case(([1, 2, 3], 0), ([1, 2, 3], 3), ([], 0), torchscript_ok=False)
def exc_list_index(xs: List[int], i: int) -> int:
    try:
        return xs[i]
    except IndexError:
        print("no item", i)
        return -1


@case(({"a": 1, "b": 2}, "a"), ({"a": 1}, "z"), torchscript_ok=False)
def exc_dict_key(d: Dict[str, int], k: str) -> int:
    try:
        v = d[k]
        print("found", k)
    except KeyError:
        print("missing", k)
        v = 0
    return v * 10


@case(("12",), ("x1",), ("-4",), torchscript_ok=False)
def exc_int_parse(s: str) -> int:
    try:
        n = int(s)
    except ValueError:
        print("not a number:", s)
        n = 0
    return n + 1


@case((7, 2), (7, 0), (-9, 4), torchscript_ok=False)
def exc_zero_division(a: int, b: int) -> int:
    try:
        q = a // b
    except ZeroDivisionError:
        print("division by zero")
        q = 0
    return q


@case((torch.ones(3), torch.ones(3)), (torch.ones(3), torch.ones(4)), torchscript_ok=False)
def exc_runtime_shape(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    try:
        z = x + y
    except RuntimeError:
        print("shapes differ")
        z = x.sum().reshape(1)
    return z


@case(([1, 2], {"k": 5}, 0, "k"), ([1, 2], {"k": 5}, 9, "k"), ([1, 2], {"k": 5}, 1, "q"),
      torchscript_ok=False)
def exc_tuple_handler(xs: List[int], d: Dict[str, int], i: int, k: str) -> int:
    try:
        return xs[i] + d[k]
    except (IndexError, KeyError) as e:
        print("lookup failed")
        return -100


@case(([1, 2, 3], 1), ([1, 2, 3], 10), torchscript_ok=False)
def exc_bare_except(xs: List[int], i: int) -> int:
    try:
        r = xs[i] * 2
    except:  # noqa: E722
        print("something failed")
        r = 0
    return r


@case((4,), (0,), torchscript_ok=False)
def exc_else_runs(n: int) -> float:
    try:
        r = 12 / n
    except ZeroDivisionError:
        print("except")
        r = 0.0
    else:
        print("else", r)
        r = r + 1
    return r


@case((1,), (0,), (-1,), torchscript_ok=False)
def exc_finally_order(n: int) -> int:
    out = 0
    try:
        print("try")
        if n < 0:
            raise ValueError("negative")
        out = 10 // n
        print("computed")
    except ZeroDivisionError:
        print("except zero")
        out = -1
    else:
        print("else")
    finally:
        print("finally", out)
    return out


@case((3,), (-3,), torchscript_ok=False)
def exc_finally_return(n: int) -> int:
    try:
        if n > 0:
            return n * 2
        print("not positive")
    finally:
        print("finally runs")
    return 0


@case(([1, 2, 3, 4],), ([5, 0, 7],), ([],), torchscript_ok=False)
def exc_finally_break(xs: List[int]) -> int:
    total = 0
    for x in xs:
        try:
            if x == 0:
                break
            total += x
        finally:
            print("step", x)
    return total


@case(([1, -2, 3],), ([-1, -1],), torchscript_ok=False)
def exc_finally_continue(xs: List[int]) -> int:
    total = 0
    for x in xs:
        try:
            if x < 0:
                continue
            total += x
        finally:
            print("visited", x)
    return total


@case(("5",), ("-5",), ("abc",), torchscript_ok=False)
def exc_own_raise_message(s: str) -> str:
    try:
        n = _parse_positive(s)
        return "ok " + str(n)
    except ValueError as e:
        msg = str(e)
        print("caught:", msg)
        return "error"


@case((2,), (-2,), torchscript_ok=False)
def exc_bare_reraise(n: int) -> int:
    try:
        if n < 0:
            raise ValueError("negative")
        return n
    except ValueError:
        print("logging, then re-raising")
        raise


@case((2,), (-2,), torchscript_ok=False)
def exc_reraise_named(n: int) -> int:
    try:
        if n < 0:
            raise KeyError("neg")
        return n
    except KeyError as e:
        print("re-raising e")
        raise e


@case(({"a": 1}, "a"), ({"a": 1}, "b"), torchscript_ok=False)
def exc_raise_from(d: Dict[str, int], k: str) -> int:
    try:
        return d[k]
    except KeyError as e:
        print("translating")
        raise ValueError("unknown key " + k) from e


@case((1,), (0,), torchscript_ok=False)
def exc_raise_from_none(n: int) -> int:
    try:
        return 10 // n
    except ZeroDivisionError:
        raise RuntimeError("n must not be zero") from None


@case((5,), (-5,), torchscript_ok=False)
def exc_assert_caught(n: int) -> int:
    try:
        assert n > 0, "n must be positive"
        r = n
    except AssertionError as e:
        print("assertion:", str(e))
        r = 0
    return r


@case((5,), (-5,), torchscript_ok=False)
def exc_assert_uncaught(n: int) -> int:
    try:
        assert n > 0
    finally:
        print("checked", n)
    return n


@case((9, 3), (9, 0), torchscript_ok=False)
def exc_from_called_function(a: int, b: int) -> int:
    try:
        r = _checked_div(a, b)
    except ZeroDivisionError as e:
        print("callee raised:", str(e))
        r = 0
    return r


@case(([1, 2], 0, 1), ([1, 2], 5, 1), ([1, 2], 0, 0), torchscript_ok=False)
def exc_nested(xs: List[int], i: int, d: int) -> int:
    try:
        try:
            v = xs[i]
        except IndexError:
            print("inner handler")
            v = 100
        r = v // d
    except ZeroDivisionError:
        print("outer handler")
        r = -1
    return r


@case(("3",), ("q",), ("0",), torchscript_ok=False)
def exc_handler_order(s: str) -> int:
    try:
        n = int(s)
        return 6 // n
    except ValueError:
        print("value error")
        return -1
    except Exception:
        print("some other error")
        return -2


@case((1,), (2,), (3,), torchscript_ok=False)
def exc_uncaught_propagates(n: int) -> int:
    try:
        if n == 2:
            raise ValueError("two")
        if n == 3:
            raise KeyError("three")
    except KeyError:
        print("key error handled")
        return -3
    return n


@case((["1", "x", "3", "4y"],), ([],), torchscript_ok=False)
def exc_loop_skip_bad(items: List[str]) -> int:
    total = 0
    bad = 0
    for s in items:
        try:
            total += int(s)
        except ValueError:
            bad += 1
            continue
        print("good", s)
    print("bad count", bad)
    return total


@case(([10, 20, 30], 2), ([10, 20, 30], 7), torchscript_ok=False)
def exc_state_at_raise(xs: List[int], i: int) -> int:
    step = 0
    try:
        step = 1
        a = xs[0]
        step = 2
        b = xs[i]
        step = 3
        r = a + b
    except IndexError:
        print("failed at step", step)
        r = -step
    return r


@case(("7",), ("seven",), torchscript_ok=False)
def exc_args(s: str) -> str:
    try:
        if not s.isdigit():
            raise ValueError("bad input: " + s)
        return s
    except ValueError as e:
        first = e.args[0]
        print("args:", len(e.args), first)
        return first


@case((1,), (0,), torchscript_ok=False)
def exc_raise_in_handler_with_finally(n: int) -> int:
    try:
        try:
            r = 5 // n
        except ZeroDivisionError:
            print("handler raises")
            raise ValueError("zero")
        finally:
            print("inner finally")
    except ValueError:
        print("outer caught")
        r = -1
    return r


@case((4,), (0,), torchscript_ok=False)
def exc_return_in_handler(n: int) -> float:
    try:
        x = 8 / n
    except ZeroDivisionError:
        print("returning early")
        return -1.0
    print("normal path")
    return x


@case((3, 1), (3, 5), (0, 0), torchscript_ok=False)
def exc_while_retry(fails: int, budget: int) -> int:
    attempts = 0
    done = False
    while not done and attempts < 10:
        attempts += 1
        try:
            if attempts <= fails:
                raise RuntimeError("transient")
            done = True
        except RuntimeError:
            print("retry", attempts)
            if attempts >= budget:
                print("giving up")
                return -attempts
    return attempts


@case(([1, 2, 3], 1), ([1, 2, 3], 4), torchscript_ok=False)
def exc_base_class_catches(xs: List[int], i: int) -> int:
    try:
        return xs[i]
    except Exception:
        print("caught by Exception")
        return 0


@case(({"a": [1, 2]}, "a", 1), ({"a": [1, 2]}, "b", 1), ({"a": [1, 2]}, "a", 3),
      torchscript_ok=False)
def exc_lookup_error_hierarchy(d: Dict[str, List[int]], k: str, i: int) -> int:
    try:
        return d[k][i]
    except LookupError:
        print("lookup error")
        return -1


@case((2,), (0,), torchscript_ok=False)
def exc_finally_assigns(n: int) -> int:
    status = 0
    try:
        status = 10 // n
    except ZeroDivisionError:
        status = -1
    finally:
        status = status * 100
        print("status", status)
    return status


@case(([1, 2, 3],), ([],), torchscript_ok=False)
def exc_helper_with_try(xs: List[int]) -> int:
    a = _safe_get(xs, 0)
    b = _safe_get(xs, 2)
    print("got", a, b)
    return a + b


@case((torch.ones(1),), (torch.ones(3),), torchscript_ok=False)
def exc_tensor_item(x: torch.Tensor) -> float:
    try:
        v = float(x)
    except RuntimeError:
        print("not a scalar tensor")
        v = float(x.numel())
    return v


@case((torch.tensor([1.0, 2.0]), 1), (torch.tensor([1.0, 2.0]), 3), torchscript_ok=False)
def exc_tensor_result_merged(x: torch.Tensor, k: int) -> torch.Tensor:
    try:
        y = x[k] * 2
        print("indexed")
    except IndexError:
        y = torch.zeros(())
    finally:
        print("done")
    return y + 1


@case((5,), (15,), torchscript_ok=False)
def exc_uncaught_in_try_finally(n: int) -> int:
    total = 0
    try:
        for i in range(n):
            total += i
            if total > 20:
                raise OverflowError("too big")
    finally:
        print("total so far", total)
    return total


@case((3,), (-3,), torchscript_ok=False)
def exc_finally_always_returns(n: int) -> int:
    try:
        print("body")
        return n * 2
    finally:
        print("finally after return")


# -- combinations: loops, nesting, exits through finally -------------------------------------
@case(([1, 2, -3, 4],), ([],), ([1] * 20,), torchscript_ok=False)
def exc_while_else_finally_break(xs: List[int]) -> int:
    total = 0
    i = 0
    while i < 10:
        i += 1
        try:
            v = xs[i]
        except IndexError:
            print("stop at", i)
            break
        else:
            if v < 0:
                continue
            total += v
        finally:
            print("iter", i)
    return total


@case((0,), (1,), (3,), torchscript_ok=False)
def exc_nested_finally_order(n: int) -> int:
    try:
        try:
            if n == 0:
                raise ValueError("zero")
            return 10 // (n - 1)
        finally:
            print("inner finally")
    except ZeroDivisionError:
        print("zde")
        return -1
    except ValueError as e:
        print("ve", str(e))
        return -2
    finally:
        print("outer finally")


@case(([1, 0, 5],), ([],), torchscript_ok=False)
def exc_continue_in_handler_finally(xs: List[int]) -> List[int]:
    out: List[int] = []
    for x in xs:
        try:
            out.append(100 // x)
        except ZeroDivisionError:
            out.append(-1)
            continue
        finally:
            out.append(0)
    return out


@case((1,), (0,), torchscript_ok=False)
def exc_partial_body_then_finally(n: int) -> int:
    x = 1
    try:
        x = 2
        if n > 0:
            raise RuntimeError("r")
        x = 3
    except RuntimeError:
        x = x * 10
    finally:
        x = x + 1
    return x


@case(({"a": 1}, ["a", "3", "x"]), ({}, []), torchscript_ok=False)
def exc_handler_with_inner_try(d: Dict[str, int], keys: List[str]) -> int:
    found = 0
    for k in keys:
        try:
            found += d[k]
        except KeyError:
            try:
                found -= int(k)
            except ValueError:
                print("neither", k)
    return found


@case((torch.arange(3.0), [0, 5, 2]), (torch.ones(1), []), torchscript_ok=False)
def exc_tensor_accumulate(x: torch.Tensor, idx: List[int]) -> torch.Tensor:
    acc = torch.zeros(())
    for i in idx:
        try:
            acc = acc + x[i]
        except IndexError:
            acc = acc - 1
    return acc


@case((1,), (5,), torchscript_ok=False)
def exc_optional_result_pass(n: int) -> Optional[int]:
    r: Optional[int] = None
    try:
        if n > 2:
            r = n
        else:
            raise ValueError("small")
    except ValueError:
        pass
    return r


@case((3,), (2,), torchscript_ok=False)
def exc_from_inside_handler(n: int) -> int:
    try:
        assert n != 3, "three"
        return n
    except AssertionError as e:
        try:
            raise KeyError("k") from e
        except KeyError:
            return 33


@case(([1, 2],), ([1, 0],), torchscript_ok=False)
def exc_comprehension_raises(xs: List[int]) -> int:
    try:
        return sum([100 // x for x in xs])
    except ZeroDivisionError:
        return -1


@case((3,), (10,), torchscript_ok=False)
def exc_break_in_handler(n: int) -> int:
    count = 0
    for i in range(n):
        try:
            if i % 3 == 0:
                raise ValueError("v")
            count += 1
        except ValueError:
            if i > 4:
                break
            count += 10
    return count


@case(("3",), ("z",), torchscript_ok=False)
def exc_reraise_with_finally(s: str) -> int:
    try:
        return int(s)
    except ValueError:
        raise
    finally:
        print("done", s)


@case((0,), (1,), (2,), (3,), torchscript_ok=False)
def exc_three_way_messages(n: int) -> str:
    msg = "none"
    try:
        if n == 1:
            raise ValueError("one")
        elif n == 2:
            raise KeyError("two")
        elif n == 3:
            raise IndexError("three")
    except (ValueError, IndexError) as e:
        msg = "vi:" + str(e)
    except KeyError as e:
        msg = "k:" + str(e)
    return msg


@case((1,), torchscript_ok=False)
def exc_empty_try_body(n: int) -> int:
    try:
        pass
    except ValueError:
        return -1
    return n


@case((3,), (0,), torchscript_ok=False)
def exc_while_true_return_in_handler(n: int) -> int:
    while True:
        try:
            n -= 1
            if n < 0:
                raise ValueError("neg")
        except ValueError:
            return n
        finally:
            print("n", n)
    return 0


@case((1,), (2,), (3,), torchscript_ok=False)
def exc_isinstance_in_handler(n: int) -> str:
    try:
        if n == 1:
            raise KeyError("k")
        if n == 2:
            raise IndexError("i")
        return "none"
    except (KeyError, IndexError) as e:
        if isinstance(e, KeyError):
            print("key error")
            return "key"
        kind = "lookup" if isinstance(e, (LookupError, ValueError)) else "other"
        return kind


@case((1,), (0,), torchscript_ok=False)
def exc_return_in_finally_swallows(n: int) -> int:
    try:
        if n > 0:
            raise ValueError("v")
        return 1
    finally:
        return 99


@case(([1, 0, 2],), ([],), torchscript_ok=False)
def exc_continue_in_finally(xs: List[int]) -> int:
    t = 0
    for x in xs:
        try:
            t += 10 // x
        finally:
            if x == 0:
                continue
            t += 1
    return t


@case((0,), (2,), (5,), torchscript_ok=False)
def exc_else_not_protected(n: int) -> int:
    try:
        r = 10 // n
    except ZeroDivisionError:
        r = -1
    else:
        r = int("x" * n) if n > 3 else r
    return r


@case((2,), (-2,), torchscript_ok=False)
def exc_local_function_raises(n: int) -> int:
    def helper(k: int) -> int:
        if k < 0:
            raise ValueError("neg")
        return k * 2
    try:
        return helper(n)
    except ValueError:
        return -1


@case(([1, 2, 3],), ([],), torchscript_ok=False)
def exc_while_true_break_on_error(xs: List[int]) -> int:
    count = 0
    i = 0
    while True:
        try:
            count += xs[i]
            i += 1
        except IndexError:
            break
    return count * 10 + i


@case((0,), (3,), torchscript_ok=False)
def exc_nested_finally_in_loop(n: int) -> int:
    total = 0
    for i in range(n):
        try:
            try:
                if i % 2 == 0:
                    raise KeyError("k")
                total += 1
            finally:
                total += 100
        except KeyError:
            total += 10000
    return total


@case((5,), torchscript_ok=False)
def exc_user_exception_class(n: int) -> int:
    try:
        raise _UserError("mine")
    except _UserError:
        return -1


CASES = cases_in(globals())

UNSUPPORTED = {
    "exc_user_exception_class": "catching a user-defined exception class",
}
