"""The `hybridjit` command: look inside archives and run them.

    hybridjit show ARCHIVE              module tree, methods, parameter shapes and sizes
    hybridjit graph ARCHIVE [METHOD]    the IR of a method (default: forward) or function
    hybridjit code ARCHIVE [METHOD]     TorchScript-like Python code
    hybridjit run ARCHIVE [ARGS...]     call it; ARGS are literals, .npy or .safetensors files
                                        (--backend codegen|interpreter|onnxruntime|auto)
    hybridjit export ARCHIVE -o F.onnx  write it as an ONNX model (-i ARGS...: example inputs
                                        fixing dtypes and ranks; --method NAME, --opset N)
    hybridjit dot ARCHIVE [METHOD]      Graphviz DOT (--format svg|png needs `dot` installed)
    hybridjit verify ARCHIVE            check everything; exit status 0 when sound

Exit status: 0 success, 1 runtime error, 2 usage error, 3 archive error.  Errors go to
stderr as one line, without a traceback.
"""

from __future__ import annotations

import argparse
import inspect
import shutil
import subprocess
import sys
from typing import Any, Callable, Sequence

import torch

import hybridjit
import hybridjit.onnx
from hybridjit.backends.onnx.backend import BACKENDS
from hybridjit.errors import ArchiveError, ArgumentError, Error
from hybridjit.serialization.archive import load_contents
from hybridjit.serialization.describe import describe, python_parameters, summary
from hybridjit.serialization.dot import graph_to_dot
from hybridjit.serialization.inputs import InputError, parse_argument

EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, EXIT_ARCHIVE = 0, 1, 2, 3


class CommandError(Exception):
    """A failure with its exit status (the message goes to stderr)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `hybridjit` and `python -m hybridjit`; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.command(args) or EXIT_OK
    except CommandError as e:
        return _fail(str(e), e.status)
    except ArchiveError as e:
        return _fail(f"{args.archive}: {e}", EXIT_ARCHIVE)
    except (Error, Exception) as e:  # a failure while running the model
        return _fail(f"{type(e).__name__}: {e}", EXIT_RUNTIME)


def _fail(message: str, status: int) -> int:
    print(f"hybridjit: error: {message}", file=sys.stderr)
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hybridjit", description="Inspect, check and run hybridjit archives.",
        epilog="exit status: 0 ok, 1 runtime error, 2 usage error, 3 archive error",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="name", required=True, metavar="COMMAND")
    for name, (fn, help_text, extra) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("archive", metavar="ARCHIVE", help="a file written by hybridjit.save")
        extra(p)
        p.set_defaults(command=fn)
    return parser


def _method_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("method", nargs="?", default=None, metavar="METHOD",
                   help="method of the root module (default: forward) or function name")  # fmt: skip


def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("args", nargs="*", metavar="ARGS",
                   help="inputs: literals (5, 2.5, [5], True, 'text'), x.npy, w.safetensors[:NAME]")  # fmt: skip
    p.add_argument("--method", default=None, help="method to call (default: forward)")
    p.add_argument("--backend", default="codegen", choices=BACKENDS,
                   help="how to run it (onnxruntime and auto need the onnx extra)")  # fmt: skip


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", required=True, help="the .onnx file to write")
    p.add_argument("-i", "--inputs", nargs="+", default=(), metavar="ARG",
                   help="example inputs, as for `run` (default: the types the graph records)")  # fmt: skip
    p.add_argument("--method", default=None, help="method to export (default: forward)")
    p.add_argument("--opset", type=int, default=None, help="ONNX opset (default: 18)")


def _dot_args(p: argparse.ArgumentParser) -> None:
    _method_arg(p)
    p.add_argument("--format", choices=("dot", "svg", "png"), default="dot",
                   help="output format; svg and png run Graphviz's `dot` program")  # fmt: skip
    p.add_argument("-o", "--output", default=None, help="write to this file (default: stdout)")


# ---------------------------------------------------------------------------------------------
# commands


def _load(args: argparse.Namespace) -> Any:
    return load_contents(args.archive)


def cmd_show(args: argparse.Namespace) -> int:
    print(describe(_load(args), args.archive), end="")
    return EXIT_OK


def cmd_graph(args: argparse.Namespace) -> int:
    print(_pick(_load(args), args.method).graph, end="")
    return EXIT_OK


def cmd_code(args: argparse.Namespace) -> int:
    print(_pick(_load(args), args.method).code, end="")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    print(f"ok: {args.archive}: {summary(_load(args))}")
    return EXIT_OK


def cmd_dot(args: argparse.Namespace) -> int:
    contents = _load(args)
    fn = _pick(contents, args.method)
    text = graph_to_dot(fn.graph, fn.name)
    if args.format == "dot" and not args.output:
        print(text, end="")
        return EXIT_OK
    data = text.encode() if args.format == "dot" else _graphviz(text, args.format)
    if args.output:
        with open(args.output, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


def _graphviz(text: str, fmt: str) -> bytes:
    program = shutil.which("dot")
    if program is None:
        raise CommandError(f"--format {fmt} needs Graphviz's `dot` program, which is not "
                           "installed; install graphviz or use --format dot", EXIT_RUNTIME)  # fmt: skip
    done = subprocess.run(
        [program, f"-T{fmt}"], input=text.encode(), capture_output=True, check=False
    )
    if done.returncode != 0:
        raise CommandError(
            f"dot failed: {done.stderr.decode(errors='replace').strip()}", EXIT_RUNTIME
        )
    return done.stdout


def cmd_run(args: argparse.Namespace) -> int:
    contents = _load(args)
    fn = _pick(contents, args.method)
    values = _inputs(contents, fn, args.args)
    method = args.method or "forward"
    is_method = _is_method(contents, fn)
    if args.backend == "codegen":
        target = getattr(contents.root, method) if is_method else fn
    else:
        target = hybridjit.compile(contents.root if is_method else fn, backend=args.backend,
                                   method=method)  # fmt: skip
    with torch.no_grad():
        try:
            result = target(*values)
        except ArgumentError as e:  # the command line gave the wrong arguments
            raise CommandError(f"{e}\nusage: hybridjit run ARCHIVE{_usage(fn, is_method)}",
                               EXIT_USAGE) from None  # fmt: skip
    _print_result(result)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    contents = _load(args)
    fn = _pick(contents, args.method)
    examples = _inputs(contents, fn, args.inputs) if args.inputs else None
    obj = contents.root if _is_method(contents, fn) else fn
    hybridjit.onnx.export(obj, args.output, examples, method=args.method or "forward",
                          opset=args.opset)  # fmt: skip
    print(f"wrote {args.output}")
    return EXIT_OK


def _inputs(contents: Any, fn: Any, texts: Sequence[str]) -> list[Any]:
    """Command-line inputs parsed by the types of `fn`'s graph inputs."""
    types = [v.type for v in fn.graph.inputs]
    offset = 1 if _is_method(contents, fn) else 0
    try:
        return [parse_argument(a, types[i + offset] if i + offset < len(types) else None)
                for i, a in enumerate(texts)]  # fmt: skip
    except InputError as e:
        raise CommandError(str(e), EXIT_USAGE) from None


def _usage(fn: Any, is_method: bool) -> str:
    """The positional arguments `run` expects for `fn`, e.g. ` X N [K]`."""
    params = python_parameters(fn)[1 if is_method else 0 :]
    return "".join(f" {name.upper()}" if default is inspect.Parameter.empty else f" [{name.upper()}]"
                   for name, default in params)  # fmt: skip


def _print_result(result: Any) -> None:
    if isinstance(result, tuple):
        for i, item in enumerate(result):
            print(f"[{i}] {item}")
    else:
        print(result)


def _is_method(contents: Any, fn: Any) -> bool:
    return isinstance(contents.root, torch.nn.Module) and fn in contents.root._hj_methods.values()


def _pick(contents: Any, method: str | None) -> Any:
    """The function a command works on: a method of the root module, or a saved function."""
    root = contents.root
    if isinstance(root, torch.nn.Module):
        methods = root._hj_methods
        if method is None and "forward" in methods:
            return methods["forward"]
        if method in methods:
            return methods[method]
    elif method is None:
        return root
    by_name = {f.name: f for f in contents.functions.values()} | dict(contents.functions)
    if method in by_name:
        return by_name[method]
    known = sorted(getattr(root, "_hj_methods", {})) or sorted(contents.functions)
    raise CommandError(f"no method or function {method!r} in {type(root).__name__}; "
                       f"known: {', '.join(known)}", EXIT_USAGE)  # fmt: skip


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str, Callable[..., None]]] = {
    "show": (cmd_show, "show the module tree, methods, parameters and extra files", lambda p: None),
    "graph": (cmd_graph, "print the IR graph of a method or function", _method_arg),
    "code": (cmd_code, "print the TorchScript-like code of a method or function", _method_arg),
    "run": (cmd_run, "run the archive on inputs and print the outputs", _run_args),
    "export": (cmd_export, "write a method or function as an ONNX model", _export_args),
    "dot": (cmd_dot, "print a graph in Graphviz DOT (or render it as svg/png)", _dot_args),
    "verify": (cmd_verify, "load and check the whole archive", lambda p: None),
}


if __name__ == "__main__":
    sys.exit(main())
