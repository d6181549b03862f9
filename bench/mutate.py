"""Mutation testing by hand (mutmut is not available offline): does the suite notice a bug?

For each mutation site of a module (AST-based: flipped comparisons, numeric constants ± 1,
negated or dropped conditions, and/or swapped, arithmetic swapped, return values replaced) the
script writes the mutant over the module, runs the module's own test files with
``pytest -x -q`` under a timeout, and restores the original. A mutant that no test notices is
a *survivor*: a missing test, or an equivalent mutant (document it in docs/testing.md).

    python3 bench/mutate.py --list-modules
    python3 bench/mutate.py maps/resolver.py analytics/filters.py
    python3 bench/mutate.py --core --max-mutants 60 --out /tmp/mutate.txt
    python3 bench/mutate.py --root /tmp/snapshot etl/normalize/salary.py   # in a copy
    python3 bench/mutate.py --show maps/resolver.py        # the mutants, without running

Mutants are written in place, one at a time: while a mutant is on disk, any test run from the
same checkout sees it. Run it on a checkout nobody else is testing from (``--root``, e.g. a
copy made with ``git archive HEAD | tar -x -C /tmp/snapshot`` or ``cp -r``). The original is
restored in a ``finally`` after every mutant, on Ctrl-C and SIGTERM as well; a copy of it is
kept as ``<module>.mutate-orig`` while a mutant is on disk, and a later run restores from that
copy first if the process was killed outright (SIGKILL, power loss).

Not a test (run by hand, not in CI): the runs take minutes per module.
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKUP_SUFFIX = ".mutate-orig"

from mutate_targets import CORE, OTHERS  # noqa: E402 - beside this script

ALL = {**CORE, **OTHERS}
OPERATORS = ("compare", "number", "condition", "boolop", "arith", "return")


# -- mutation sites ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Mutant:
    index: int        # position of the node in ast.walk order (stable for one source text)
    op: str           # the operator family (OPERATORS)
    variant: int      # which mutation of that node
    line: int
    before: str
    after: str

    def label(self) -> str:
        return f"L{self.line} {self.op}: {self.before}  →  {self.after}"


_FLIP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
         ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot,
         ast.IsNot: ast.Is}
_REVERSE = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE}
_ARITH = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
          ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult}


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """ids of nodes never mutated: annotations, docstrings, f-string parts, decorators."""
    skip: set[int] = set()

    def mark(node):
        for n in ast.walk(node):
            skip.add(id(n))

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for a in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs,
                      node.args.vararg, node.args.kwarg]:
                if a is not None and a.annotation is not None:
                    mark(a.annotation)
            if node.returns is not None:
                mark(node.returns)
            for d in node.decorator_list:
                mark(d)
        elif isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        elif isinstance(node, ast.JoinedStr):
            mark(node)
        elif isinstance(node, ast.ClassDef):
            for d in node.decorator_list:
                mark(d)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                mark(body[0])
        if (isinstance(node, ast.If) and isinstance(node.test, ast.Name)
                and node.test.id == "TYPE_CHECKING"):
            mark(node)
    return skip


def _mutations(node: ast.AST, ops: set[str]) -> list[tuple[str, ast.AST]]:
    """(operator, replacement node) for one expression node, built from deep copies."""
    out: list[tuple[str, ast.AST]] = []
    if "compare" in ops and isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for table in (_FLIP, _REVERSE):
                new = table.get(type(op))
                if new is not None:
                    m = copy.deepcopy(node)
                    m.ops[i] = new()
                    out.append(("compare", m))
    if ("number" in ops and isinstance(node, ast.Constant) and type(node.value) in (int, float)):
        for delta in (1, -1):
            out.append(("number", ast.Constant(node.value + delta)))
        if node.value not in (0, 1) and type(node.value) is int:
            out.append(("number", ast.Constant(0)))
    if "boolop" in ops and isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        out.append(("boolop", ast.BoolOp(other, copy.deepcopy(node.values))))
    if "condition" in ops and isinstance(node, ast.BoolOp):
        for i in range(len(node.values)):  # drop one operand
            rest = [copy.deepcopy(v) for j, v in enumerate(node.values) if j != i]
            out.append(("condition", rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)))
    if "boolop" in ops and isinstance(node, ast.Constant) and type(node.value) is bool:
        out.append(("boolop", ast.Constant(not node.value)))
    if "arith" in ops and isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        out.append(("arith", ast.BinOp(copy.deepcopy(node.left), _ARITH[type(node.op)](),
                                       copy.deepcopy(node.right))))
    if "arith" in ops and isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        out.append(("arith", copy.deepcopy(node.operand)))
    if "condition" in ops and isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append(("condition", copy.deepcopy(node.operand)))
    return out


def _variants(node: ast.AST, ops: set[str], conds: dict[int, ast.AST]):
    """Every mutation of one node, in a fixed order (a Mutant's ``variant`` indexes it)."""
    variants = _mutations(node, ops)
    if "condition" in ops and id(node) in conds and not isinstance(node, ast.Constant):
        variants.append(("condition", ast.UnaryOp(ast.Not(), copy.deepcopy(node))))
    if "return" in ops and isinstance(node, ast.Return):
        new = _return_mutation(node)
        if new is not None:
            variants.append(("return", new))
    return variants


def _condition_sites(tree: ast.AST) -> dict[int, ast.AST]:
    """id(test expression) → its If/While/IfExp/assert/comprehension owner."""
    owners = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            owners[id(node.test)] = node
        elif isinstance(node, ast.comprehension):
            for cond in node.ifs:
                owners[id(cond)] = node
    return owners


def _return_mutation(node: ast.Return) -> ast.Return | None:
    v = node.value
    if v is None or (isinstance(v, ast.Constant) and v.value is None):
        return None
    if isinstance(v, ast.Constant) and isinstance(v.value, bool):
        return ast.Return(ast.Constant(not v.value))
    return ast.Return(ast.Constant(None))


def sites(source: str, ops: set[str] | None = None) -> list[Mutant]:
    """Every mutant of a source text, in a stable order."""
    ops = set(OPERATORS) if ops is None else ops
    tree = ast.parse(source)
    skip = _skipped_nodes(tree)
    conds = _condition_sites(tree)
    found: list[Mutant] = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skip:
            continue
        line = getattr(node, "lineno", 0)
        for v, (op, new) in enumerate(_variants(node, ops, conds)):
            before, after = _short(ast.unparse(node)), _short(ast.unparse(new))
            if before != after:
                found.append(Mutant(index, op, v, line, before, after))
    return found


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def apply(source: str, mutant: Mutant, ops: set[str] | None = None) -> str:
    """The source with one mutant applied (the whole module unparsed: comments are lost,
    behaviour is not)."""
    ops = set(OPERATORS) if ops is None else ops
    tree = ast.parse(source)
    conds = _condition_sites(tree)
    target = next(n for i, n in enumerate(ast.walk(tree)) if i == mutant.index)
    _, replacement = _variants(target, ops, conds)[mutant.variant]
    _replace(tree, target, replacement)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree) + "\n"


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return
    raise ValueError("mutation target not found")


# -- running ----------------------------------------------------------------------------------

class Interrupted(Exception):
    """SIGTERM: stop after restoring the module."""


def _on_sigterm(signum, frame):
    raise Interrupted()


def recover(root: Path) -> list[Path]:
    """Restore any module left mutated by a run that was killed outright."""
    restored = []
    for backup in root.rglob("*" + BACKUP_SUFFIX):
        if ".git" in backup.parts:
            continue
        original = backup.with_name(backup.name[:-len(BACKUP_SUFFIX)])
        original.write_bytes(backup.read_bytes())
        backup.unlink()
        restored.append(original)
    return restored


def _drop_bytecode(module: Path) -> None:
    cache = module.parent / "__pycache__"
    for pyc in cache.glob(module.stem + ".*.pyc"):
        pyc.unlink(missing_ok=True)


def run_tests(root: Path, tests: list[str], timeout: float, marker: str) -> tuple[str, float]:
    """('passed' | 'failed' | 'timeout', seconds) for one pytest run in a process group."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
           "--no-header", "-m", marker, *tests]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "timeout", time.monotonic() - start
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return ("passed" if rc == 0 else "failed"), time.monotonic() - start


def earlier_results(log_path: Path | None) -> dict[str, dict[int, tuple[bool, str]]]:
    """Results already in a log (``--resume``): module → {mutant number: (survived, label)}.
    A module's numbers count only while its mutant total is the same (the last run wins)."""
    found: dict[str, dict[int, tuple[bool, str]]] = {}
    if log_path is None or not log_path.exists():
        return found
    module, total = None, None
    head = re.compile(r"## (\S+): (\d+) of \d+ mutants")
    line_re = re.compile(r"\s+\[(\d+)/(\d+)\] (SURVIVED|killed(?: \([^)]*\))?) (.*)$")
    for line in log_path.read_text(encoding="utf-8").splitlines():
        if m := head.match(line):
            module, total = m.group(1), int(m.group(2))
            found.setdefault(module, {})
            found[module].setdefault(-1, (False, str(total)))
            if found[module][-1][1] != str(total):  # another sample: forget the old one
                found[module] = {-1: (False, str(total))}
        elif module and (m := line_re.match(line)) and int(m.group(2)) == total:
            found[module][int(m.group(1))] = (m.group(3) == "SURVIVED", m.group(4))
    return found


def mutate_module(root: Path, module: str, tests: list[str], *, max_mutants: int | None,
                  seed: int, ops: set[str], marker: str, log,
                  earlier: dict[int, tuple[bool, str]] | None = None) -> dict:
    """Run every (or a sample of) mutant of one module; the original is always restored.
    ``earlier``: results of a previous, interrupted run of the same mutants (not rerun)."""
    path = root / module
    if not path.exists():
        log(f"## {module}: not in {root}, skipped")
        return {"module": module, "mutants": 0, "killed": 0, "survivors": [], "skipped": True}
    original = path.read_bytes()
    digest = hashlib.sha256(original).hexdigest()
    source = original.decode("utf-8")
    tests = [t for t in tests if (root / t).exists()]
    if not tests:
        log(f"## {module}: no test files found, skipped")
        return {"module": module, "mutants": 0, "killed": 0, "survivors": [], "skipped": True}
    all_mutants = sites(source, ops)
    chosen = all_mutants
    if max_mutants is not None and len(all_mutants) > max_mutants:
        chosen = sorted(random.Random(seed).sample(all_mutants, max_mutants),
                        key=lambda m: (m.line, m.index, m.variant))
    log(f"## {module}: {len(chosen)} of {len(all_mutants)} mutants; tests: {' '.join(tests)}")
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    # The unparsed original must pass, or every mutant would look killed.
    status, base_s = _with_source(path, backup, original, apply_text(source, None),
                                  lambda: run_tests(root, tests, 900, marker))
    if status != "passed":
        log(f"   baseline (unmutated, unparsed) {status}: module skipped")
        return {"module": module, "mutants": len(chosen), "killed": 0, "survivors": [],
                "skipped": True}
    timeout = max(30.0, base_s * 3 + 10)
    log(f"   baseline passed in {base_s:.1f}s; timeout per mutant {timeout:.0f}s")
    killed, survivors, timeouts = 0, [], 0
    earlier = earlier if earlier and earlier.get(-1, (0, ""))[1] == str(len(chosen)) else {}
    for n, m in enumerate(chosen, 1):
        if n in earlier and earlier[n][1].endswith(m.label()):
            survived, _ = earlier[n]
            if survived:
                survivors.append(m)
            killed += not survived
            log(f"   [{n}/{len(chosen)}] {'SURVIVED' if survived else 'killed (earlier)'} "
                f"{m.label()}")
            continue
        try:
            text = apply(source, m, ops)
        except Exception as exc:  # noqa: BLE001 - an unappliable mutant is reported, not fatal
            log(f"   [{n}/{len(chosen)}] cannot apply {m.label()}: {exc}")
            continue
        status, secs = _with_source(path, backup, original, text,
                                    lambda: run_tests(root, tests, timeout, marker))
        if status == "passed":
            survivors.append(m)
            log(f"   [{n}/{len(chosen)}] SURVIVED {m.label()}")
        else:
            killed += 1
            timeouts += status == "timeout"
            log(f"   [{n}/{len(chosen)}] killed ({status}, {secs:.1f}s) {m.label()}")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{module} not restored"
    return {"module": module, "mutants": len(chosen), "total": len(all_mutants), "killed": killed,
            "timeouts": timeouts, "survivors": survivors, "skipped": False}


def apply_text(source: str, mutant: Mutant | None) -> str:
    return ast.unparse(ast.parse(source)) + "\n" if mutant is None else apply(source, mutant)


def _with_source(path: Path, backup: Path, original: bytes, text: str, action):
    """Write ``text`` over the module, run ``action``, always put the original back."""
    backup.write_bytes(original)
    try:
        path.write_text(text, encoding="utf-8")
        _drop_bytecode(path)
        return action()
    finally:
        path.write_bytes(original)
        _drop_bytecode(path)
        backup.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("modules", nargs="*", help="module paths (default with --core: the core set)")
    p.add_argument("--core", action="store_true", help="all core modules")
    p.add_argument("--root", type=Path, default=ROOT, help="checkout to mutate (default: this)")
    p.add_argument("--tests", nargs="+", help="test files to run instead of the module's own")
    p.add_argument("--max-mutants", type=int, help="at most this many per module (sampled)")
    p.add_argument("--seed", type=int, default=22, help="sampling seed (default 22)")
    p.add_argument("--ops", default=",".join(OPERATORS), help="operator families to use")
    p.add_argument("-m", "--marker", default="not browser", help="pytest -m expression")
    p.add_argument("--out", type=Path, help="also append the log to this file")
    p.add_argument("--resume", action="store_true",
                   help="reuse the results already in --out (after an interrupted run)")
    p.add_argument("--list-modules", action="store_true", help="print the module → tests map")
    p.add_argument("--show", action="store_true", help="print the mutants, run nothing")
    args = p.parse_args(argv)

    if args.list_modules:
        for group, table in (("core", CORE), ("others", OTHERS)):
            print(f"[{group}]")
            for mod, tests in table.items():
                print(f"  {mod}: {' '.join(tests)}")
        return 0
    ops = {o.strip() for o in args.ops.split(",") if o.strip()}
    unknown = ops - set(OPERATORS)
    if unknown:
        p.error(f"unknown operators {sorted(unknown)}; choose from {', '.join(OPERATORS)}")
    modules = list(args.modules) or (list(CORE) if args.core else [])
    if args.core and args.modules:
        modules = list(dict.fromkeys([*CORE, *args.modules]))
    if not modules:
        p.error("name modules or pass --core (see --list-modules)")
    root = args.root.resolve()

    def log(line: str) -> None:
        print(line, flush=True)
        if args.out:
            with open(args.out, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    if args.show:
        for mod in modules:
            for m in sites((root / mod).read_text(encoding="utf-8"), ops):
                print(f"{mod} {m.label()}")
        return 0

    if args.resume and not args.out:
        p.error("--resume reads the results of --out")
    earlier = earlier_results(args.out) if args.resume else {}
    for restored in recover(root):
        log(f"restored {restored} from a run that was killed")
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    results = []
    try:
        for mod in modules:
            tests = args.tests or ALL.get(mod)
            if not tests:
                p.error(f"{mod}: no test files mapped; pass --tests")
            results.append(mutate_module(root, mod, tests, max_mutants=args.max_mutants,
                                         seed=args.seed, ops=ops, marker=args.marker, log=log,
                                         earlier=earlier.get(mod)))
    except (KeyboardInterrupt, Interrupted):
        log("interrupted: the module under test was restored")
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    log("")
    log("| module | mutants | killed | survived | score |")
    log("|---|---:|---:|---:|---:|")
    for r in results:
        if r["skipped"]:
            log(f"| {r['module']} | – | – | – | skipped |")
            continue
        score = r["killed"] / r["mutants"] if r["mutants"] else 1.0
        log(f"| {r['module']} | {r['mutants']} | {r['killed']} | {len(r['survivors'])} | "
            f"{score:.1%} |")
    for r in results:
        for m in r["survivors"]:
            log(f"survivor {r['module']} {m.label()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
