#!/usr/bin/env python3
"""Check the conformance programs and transcripts against real CPythons.

test_conformance.c compares heapctl with CPython; this script checks the
other half: that every program is a fair test.  For each file under
programs/ and interactive/ it checks that

  * it stays inside the Python subset heapctl compiles (an ast walk with
    an allow-list: the node kinds, builtins, modules and methods of the
    subset; see README.md);
  * it is 5-40 lines long;
  * every CPython found (3.11, 3.12, 3.13 from pyenv) runs it the same way
    twice: same stdout, same exit status;
  * the exit status is the one the file declares (`# expect-exit: 1` in its
    first lines; 0 otherwise; transcripts always 0).

    python3 tests/conformance/check_cpython.py [--runs N] [SUBSTRING]

Interpreters come from $PYENV_ROOT (or `pyenv root`, or ~/.pyenv): the
newest versions/3.X.N for each profile.  Exit status 1 if anything is off.
"""

import ast
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROFILES = ("3.11", "3.12", "3.13")

BUILTINS = {
    "id", "type", "len", "range", "list", "dict", "tuple", "set", "str",
    "int", "float", "repr", "isinstance", "hex", "abs", "min", "max", "sum",
    "sorted", "bool", "enumerate", "zip", "print", "object", "None", "True",
    "False", "__name__",
    "Exception", "ValueError", "TypeError", "KeyError", "IndexError",
    "ZeroDivisionError", "NameError", "AttributeError", "RuntimeError",
    "LookupError", "ArithmeticError", "OverflowError", "UnboundLocalError",
}
# Names the programs leave undefined on purpose, to raise NameError.
UNDEFINED = {"undefined_name", "missing_one", "missing_two"}
MODULES = {"gc", "sys", "weakref"}
MODULE_ATTRS = {
    "gc": {"collect", "enable", "disable", "isenabled", "get_count",
           "get_threshold", "set_threshold", "get_stats", "get_debug",
           "set_debug", "DEBUG_STATS", "DEBUG_COLLECTABLE",
           "DEBUG_UNCOLLECTABLE", "DEBUG_SAVEALL", "DEBUG_LEAK", "garbage",
           "callbacks", "freeze", "unfreeze", "get_freeze_count",
           "get_objects", "get_referrers", "get_referents", "is_tracked",
           "is_finalized"},
    "sys": {"getrefcount", "getsizeof", "intern"},
    "weakref": {"ref", "getweakrefcount"},
}
METHODS = {
    # str
    "join", "upper", "lower", "strip", "split", "replace", "startswith",
    "endswith",
    # list
    "append", "insert", "pop", "extend", "clear", "index", "count",
    "remove", "reverse", "sort",
    # dict
    "get", "keys", "values", "items", "setdefault", "update",
    # set
    "add", "discard",
}
NODES = {
    ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.Delete, ast.If,
    ast.For, ast.While, ast.Break, ast.Continue, ast.FunctionDef,
    ast.Return, ast.ClassDef, ast.Try, ast.ExceptHandler, ast.Raise,
    ast.Import, ast.alias, ast.arguments, ast.arg, ast.keyword,
    ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.Add, ast.Sub, ast.Mult,
    ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.UnaryOp, ast.USub,
    ast.Not, ast.Lambda, ast.Dict, ast.Set, ast.ListComp,
    ast.comprehension, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE,
    ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn, ast.Call,
    ast.FormattedValue, ast.JoinedStr, ast.Constant, ast.Attribute,
    ast.Subscript, ast.Name, ast.List, ast.Tuple, ast.Slice, ast.Load,
    ast.Store, ast.Del,
}


class Subset(ast.NodeVisitor):
    """Collects the places where a tree leaves the subset."""

    def __init__(self):
        self.errors = []
        self.defined = set()  # names bound anywhere in the file
        self.methods = set()  # names of methods defined in classes
        self.lambda_ok = set()  # ids of Lambda nodes that are call args
        self.func_depth = 0
        self.locals_stack = []

    def err(self, node, msg):
        self.errors.append("line %d: %s" % (getattr(node, "lineno", 0), msg))

    def prepare(self, tree):
        for n in ast.walk(tree):
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)):
                self.defined.add(n.name)
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                self.defined.add(n.id)
            elif isinstance(n, ast.arg):
                self.defined.add(n.arg)
            elif isinstance(n, ast.ExceptHandler) and n.name:
                self.defined.add(n.name)
            if isinstance(n, ast.ClassDef):
                for s in n.body:
                    if isinstance(s, ast.FunctionDef):
                        self.methods.add(s.name)
            if isinstance(n, ast.Call):
                for a in list(n.args) + [k.value for k in n.keywords]:
                    if isinstance(a, ast.Lambda):
                        self.lambda_ok.add(id(a))

    def generic_visit(self, node):
        if type(node) not in NODES:
            self.err(node, "not in the subset: " + type(node).__name__)
        super().generic_visit(node)

    def visit_Import(self, node):
        for a in node.names:
            if a.name not in MODULES or a.asname:
                self.err(node, "import of " + a.name)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id not in self.defined \
                and node.id not in BUILTINS and node.id not in MODULES \
                and node.id not in UNDEFINED and node.id != "_":
            self.err(node, "name outside the subset: " + node.id)
        self.generic_visit(node)

    def visit_Attribute(self, node):
        v = node.value
        if isinstance(v, ast.Name) and v.id in MODULES:
            if node.attr not in MODULE_ATTRS[v.id]:
                self.err(node, "%s.%s" % (v.id, node.attr))
        self.generic_visit(node)

    def visit_Call(self, node):
        f = node.func
        if isinstance(f, ast.Attribute) and not (
                isinstance(f.value, ast.Name) and f.value.id in MODULES):
            if f.attr not in METHODS and f.attr not in self.methods:
                self.err(node, "method outside the subset: " + f.attr)
        for a in node.args:
            if isinstance(a, ast.Starred):
                self.err(node, "*args in a call")
        for k in node.keywords:
            if k.arg is None:
                self.err(node, "**kwargs in a call")
        self.generic_visit(node)

    def visit_Lambda(self, node):
        if id(node) not in self.lambda_ok:
            self.err(node, "lambda that is not a call argument")
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        a = node.args
        if node.decorator_list or node.returns:
            self.err(node, "decorator or annotation")
        if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs:
            self.err(node, "*args, **kwargs or keyword-only parameters")
        if self.func_depth and not self.in_class:
            # A nested function must not read its enclosing function's
            # locals (no closures).
            outer = self.locals_stack[-1]
            for n in ast.walk(node):
                if isinstance(n, ast.Name) and n.id in outer and \
                        isinstance(n.ctx, ast.Load):
                    own = {x.arg for x in a.args}
                    if n.id not in own:
                        self.err(n, "closure over " + n.id)
        names = {x.arg for x in a.args}
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                names.add(n.id)
        self.locals_stack.append(names)
        self.func_depth += 1
        was, self.in_class = self.in_class, False
        self.generic_visit(node)
        self.in_class = was
        self.func_depth -= 1
        self.locals_stack.pop()

    in_class = False

    def visit_ClassDef(self, node):
        if node.keywords or node.decorator_list:
            self.err(node, "class keywords or decorators")
        for b in node.bases:
            if not (isinstance(b, ast.Name) and b.id == "object"):
                self.err(node, "inheritance")
        was, self.in_class = self.in_class, True
        self.generic_visit(node)
        self.in_class = was

    def visit_Raise(self, node):
        if node.cause is not None:
            self.err(node, "raise ... from")
        self.generic_visit(node)


def subset_errors(path):
    src = open(path, encoding="utf-8").read()
    tree = ast.parse(src, path)
    v = Subset()
    v.prepare(tree)
    v.visit(tree)
    return v.errors


def pyenv_root():
    root = os.environ.get("PYENV_ROOT")
    if root:
        return root
    try:
        return subprocess.run(["pyenv", "root"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.path.expanduser("~/.pyenv")


def interpreters():
    root = os.path.join(pyenv_root(), "versions")
    found = {}
    for profile in PROFILES:
        best = None
        for name in os.listdir(root) if os.path.isdir(root) else []:
            m = re.fullmatch(re.escape(profile) + r"\.(\d+)", name)
            exe = os.path.join(root, name, "bin", "python3")
            if m and os.access(exe, os.X_OK):
                if best is None or int(m.group(1)) > best[0]:
                    best = (int(m.group(1)), name, exe)
        if best:
            found[profile] = (best[1], best[2])
    return found


def declared_exit(path):
    with open(path, encoding="utf-8") as f:
        for _, line in zip(range(5), f):
            m = re.match(r"#\s*expect-exit:\s*(\d+)", line)
            if m:
                return int(m.group(1))
    return 0


def child_env():
    return {k: v for k, v in os.environ.items()
            if not k.startswith("PYTHON")}


def run(exe, path, interactive):
    d = os.path.dirname(path)
    if interactive:
        with open(path, "rb") as stdin:
            p = subprocess.run([exe, "-X", "utf8", "-i"], stdin=stdin,
                               capture_output=True, cwd=d, env=child_env(),
                               timeout=120)
    else:
        p = subprocess.run([exe, "-X", "utf8", path], capture_output=True,
                           stdin=subprocess.DEVNULL, cwd=d,
                           env=child_env(), timeout=120)
    return p.returncode, p.stdout, p.stderr


def main(argv):
    runs = 2
    only = ""
    args = argv[1:]
    while args:
        a = args.pop(0)
        if a == "--runs":
            runs = int(args.pop(0))
        else:
            only = a
    pys = interpreters()
    problems = []
    for profile in PROFILES:
        if profile not in pys:
            problems.append("no CPython %s under %s/versions" %
                            (profile, pyenv_root()))
    files = []
    for sub in ("programs", "interactive"):
        d = os.path.join(HERE, sub)
        for name in sorted(os.listdir(d)):
            rel = sub + "/" + name
            if name.endswith(".py") and only in rel:
                files.append((rel, os.path.join(d, name), sub == "interactive"))
    for rel, path, interactive in files:
        nlines = len(open(path, encoding="utf-8").read().splitlines())
        if not 5 <= nlines <= 40:
            problems.append("%s: %d lines (want 5-40)" % (rel, nlines))
        for e in subset_errors(path):
            problems.append("%s: %s" % (rel, e))
        want = 0 if interactive else declared_exit(path)
        for profile, (version, exe) in sorted(pys.items()):
            outs = [run(exe, path, interactive) for _ in range(runs)]
            rc, out, err = outs[0]
            if rc != want:
                problems.append("%s: CPython %s exited %d, declared %d\n%s" %
                                (rel, version, rc, want,
                                 err.decode(errors="replace")[-800:]))
            for k, (rc2, out2, _) in enumerate(outs[1:], 2):
                if (rc2, out2) != (rc, out):
                    a, b = out.splitlines(), out2.splitlines()
                    diff = next((i for i in range(max(len(a), len(b)))
                                 if i >= len(a) or i >= len(b)
                                 or a[i] != b[i]), None)
                    problems.append("%s: CPython %s run %d differs from run "
                                    "1 (line %s)" % (rel, version, k,
                                                     None if diff is None
                                                     else diff + 1))
            if len(out.splitlines()) < 3:
                problems.append("%s: CPython %s printed only %d lines" %
                                (rel, version, len(out.splitlines())))
    for p in problems:
        print(p)
    print("%d files, %d interpreters (%s), %d runs each: %d problems" %
          (len(files), len(pys),
           ", ".join(v for v, _ in sorted(pys.values())), runs,
           len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
