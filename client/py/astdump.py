#!/usr/bin/env python3
"""Print CPython's ast of Python source in py_ast_dump's format.

The reference for what client/py parses: the expected dumps in
tests/unit/test_pyparse.c were produced with this and CPython 3.12.1.

    PYENV_VERSION=3.12.1 python3 client/py/astdump.py [-m exec|single|eval] [-p [-e]] [FILE]

With no FILE it reads stdin; -p adds positions (@line:col) as
PY_DUMP_POSITIONS does, for the nodes that have them in CPython, and -p -e
end positions as well (PY_DUMP_ENDS).  The
format is described in client/py/dump.c.
"""
import argparse
import ast
import sys


def const_repr(v):
    if v is Ellipsis:
        return "Ellipsis"
    if isinstance(v, complex):
        return repr(v)
    return repr(v)


def lst(items, conv):
    return "[" + " ".join(conv(x) if x is not None else "-" for x in items) + "]"


class Dumper:
    def __init__(self, mode, positions=False):
        self.mode = mode
        self.positions = positions
        self.nest = 0  # def/class nesting (for echo)

    def ctx(self, c):
        if isinstance(c, ast.Store):
            return " Store"
        if isinstance(c, ast.Del):
            return " Del"
        return ""

    def opt(self, n):
        return " " + (self.d(n) if n is not None else "-")

    def lst(self, items):
        return " " + lst(items, self.d)

    def keyed(self, key, items):
        return f" {key}=" + lst(items, self.d) if items else ""

    def param(self, prefix, a, default):
        s = " " + prefix + a.arg
        if a.annotation is not None:
            s += ":" + self.d(a.annotation)
        if default is not None:
            s += "=" + self.d(default)
        return s

    def arguments(self, n):
        s = "(arguments"
        allpos = n.posonlyargs + n.args
        first_def = len(allpos) - len(n.defaults)
        for i, a in enumerate(allpos):
            d = n.defaults[i - first_def] if i >= first_def else None
            s += self.param("", a, d)
            if n.posonlyargs and i == len(n.posonlyargs) - 1:
                s += " /"
        if n.vararg:
            s += self.param("*", n.vararg, None)
        elif n.kwonlyargs:
            s += " *"
        for a, d in zip(n.kwonlyargs, n.kw_defaults):
            s += self.param("", a, d)
        if n.kwarg:
            s += self.param("**", n.kwarg, None)
        return s + ")"

    def body(self, stmts):
        return self.lst(stmts)

    def d(self, n):
        k = type(n).__name__
        f = getattr(self, "d_" + k, None)
        if f is None:
            raise SystemExit(f"astdump.py: no format for {k}")
        s = f(n)
        if self.positions and hasattr(n, "lineno") and s.startswith("(" + k):
            at = f"@{n.lineno}:{n.col_offset}"
            if self.positions == "ends":
                at += f"-{n.end_lineno}:{n.end_col_offset}"
            s = f"({k}{at}" + s[len(k) + 1:]
        return s

    def d_Module(self, n):
        return "(Module" + "".join(" " + self.d(s) for s in n.body) + ")"

    def d_Interactive(self, n):
        return "(Interactive" + "".join(" " + self.d(s) for s in n.body) + ")"

    def d_Expression(self, n):
        return "(Expression " + self.d(n.body) + ")"

    def d_FunctionDef(self, n):
        s = f"(FunctionDef {n.name} " + self.arguments(n.args)
        self.nest += 1
        s += self.body(n.body)
        self.nest -= 1
        s += self.keyed("decorators", n.decorator_list)
        if n.returns is not None:
            s += " returns=" + self.d(n.returns)
        return s + ")"

    def d_ClassDef(self, n):
        s = f"(ClassDef {n.name}"
        self.nest += 1
        s += self.body(n.body)
        self.nest -= 1
        s += self.keyed("bases", n.bases) + self.keyed("keywords", n.keywords)
        s += self.keyed("decorators", n.decorator_list)
        return s + ")"

    def d_Return(self, n):
        return "(Return" + (self.opt(n.value) if n.value else "") + ")"

    def d_Delete(self, n):
        return "(Delete" + self.lst(n.targets) + ")"

    def d_Assign(self, n):
        return "(Assign" + self.lst(n.targets) + self.opt(n.value) + ")"

    def d_AugAssign(self, n):
        return ("(AugAssign" + self.opt(n.target) + " " + type(n.op).__name__
                + self.opt(n.value) + ")")

    def d_AnnAssign(self, n):
        s = "(AnnAssign" + self.opt(n.target) + self.opt(n.annotation)
        if n.value is not None:
            s += self.opt(n.value)
        return s + ")"

    def d_For(self, n):
        return ("(For" + self.opt(n.target) + self.opt(n.iter) + self.body(n.body)
                + self.keyed("orelse", n.orelse) + ")")

    def d_While(self, n):
        return ("(While" + self.opt(n.test) + self.body(n.body)
                + self.keyed("orelse", n.orelse) + ")")

    def d_If(self, n):
        return ("(If" + self.opt(n.test) + self.body(n.body)
                + self.keyed("orelse", n.orelse) + ")")

    def d_With(self, n):
        return "(With" + self.lst(n.items) + self.body(n.body) + ")"

    def d_withitem(self, n):
        s = "(withitem" + self.opt(n.context_expr)
        if n.optional_vars is not None:
            s += self.opt(n.optional_vars)
        return s + ")"

    def d_Raise(self, n):
        s = "(Raise"
        if n.exc is not None:
            s += self.opt(n.exc)
        if n.cause is not None:
            s += self.opt(n.cause)
        return s + ")"

    def d_Try(self, n):
        return ("(Try" + self.body(n.body) + self.lst(n.handlers)
                + self.lst(n.orelse) + self.lst(n.finalbody) + ")")

    def d_ExceptHandler(self, n):
        return ("(ExceptHandler" + self.opt(n.type) + " " + (n.name or "-")
                + self.body(n.body) + ")")

    def d_Assert(self, n):
        s = "(Assert" + self.opt(n.test)
        if n.msg is not None:
            s += self.opt(n.msg)
        return s + ")"

    def d_Import(self, n):
        return "(Import" + self.lst(n.names) + ")"

    def d_ImportFrom(self, n):
        return (f"(ImportFrom {n.module or '-'}" + self.lst(n.names)
                + f" {n.level})")

    def d_alias(self, n):
        return f"(alias {n.name}" + (f" {n.asname}" if n.asname else "") + ")"

    def d_Global(self, n):
        return "(Global [" + " ".join(n.names) + "])"

    def d_Nonlocal(self, n):
        return "(Nonlocal [" + " ".join(n.names) + "])"

    def d_Expr(self, n):
        echo = " echo" if self.mode == "single" and self.nest == 0 else ""
        return "(Expr" + self.opt(n.value) + echo + ")"

    def d_Pass(self, n):
        return "(Pass)"

    def d_Break(self, n):
        return "(Break)"

    def d_Continue(self, n):
        return "(Continue)"

    def d_BoolOp(self, n):
        return f"(BoolOp {type(n.op).__name__}" + self.lst(n.values) + ")"

    def d_NamedExpr(self, n):
        return "(NamedExpr" + self.opt(n.target) + self.opt(n.value) + ")"

    def d_BinOp(self, n):
        return ("(BinOp" + self.opt(n.left) + " " + type(n.op).__name__
                + self.opt(n.right) + ")")

    def d_UnaryOp(self, n):
        return f"(UnaryOp {type(n.op).__name__}" + self.opt(n.operand) + ")"

    def d_Lambda(self, n):
        self.nest += 1
        s = "(Lambda " + self.arguments(n.args) + self.opt(n.body) + ")"
        self.nest -= 1
        return s

    def d_IfExp(self, n):
        return ("(IfExp" + self.opt(n.test) + self.opt(n.body)
                + self.opt(n.orelse) + ")")

    def d_Dict(self, n):
        return "(Dict" + self.lst(n.keys) + self.lst(n.values) + ")"

    def d_Set(self, n):
        return "(Set" + self.lst(n.elts) + ")"

    def comp(self, k, n):
        return f"({k}" + self.opt(n.elt) + self.lst(n.generators) + ")"

    def d_ListComp(self, n):
        return self.comp("ListComp", n)

    def d_SetComp(self, n):
        return self.comp("SetComp", n)

    def d_GeneratorExp(self, n):
        return self.comp("GeneratorExp", n)

    def d_DictComp(self, n):
        return ("(DictComp" + self.opt(n.key) + self.opt(n.value)
                + self.lst(n.generators) + ")")

    def d_comprehension(self, n):
        return ("(comprehension" + self.opt(n.target) + self.opt(n.iter)
                + self.lst(n.ifs) + ")")

    def d_Yield(self, n):
        return "(Yield" + (self.opt(n.value) if n.value else "") + ")"

    def d_YieldFrom(self, n):
        return "(YieldFrom" + self.opt(n.value) + ")"

    def d_Compare(self, n):
        return ("(Compare" + self.opt(n.left) + " ["
                + " ".join(type(o).__name__ for o in n.ops) + "]"
                + self.lst(n.comparators) + ")")

    def d_Call(self, n):
        return ("(Call" + self.opt(n.func) + self.lst(n.args)
                + self.lst(n.keywords) + ")")

    def d_keyword(self, n):
        return f"(keyword {n.arg or '-'}" + self.opt(n.value) + ")"

    def d_FormattedValue(self, n):
        s = "(FormattedValue" + self.opt(n.value)
        if n.conversion >= 0 or n.format_spec is not None:
            s += " " + (chr(n.conversion) if n.conversion >= 0 else "-")
        if n.format_spec is not None:
            s += self.opt(n.format_spec)
        return s + ")"

    def d_JoinedStr(self, n):
        # CPython 3.12 leaves empty Constant('') pieces in some format
        # specs; client/py does not make them.
        vals = [v for v in n.values
                if not (isinstance(v, ast.Constant) and v.value == "")]
        return "(JoinedStr" + self.lst(vals) + ")"

    def d_Constant(self, n):
        return "(Constant " + const_repr(n.value) + ")"

    def d_Attribute(self, n):
        return ("(Attribute" + self.opt(n.value) + f" {n.attr}"
                + self.ctx(n.ctx) + ")")

    def d_Subscript(self, n):
        return ("(Subscript" + self.opt(n.value) + self.opt(n.slice)
                + self.ctx(n.ctx) + ")")

    def d_Starred(self, n):
        return "(Starred" + self.opt(n.value) + self.ctx(n.ctx) + ")"

    def d_Name(self, n):
        return f"(Name {n.id}" + self.ctx(n.ctx) + ")"

    def d_List(self, n):
        return "(List" + self.lst(n.elts) + self.ctx(n.ctx) + ")"

    def d_Tuple(self, n):
        return "(Tuple" + self.lst(n.elts) + self.ctx(n.ctx) + ")"

    def d_Slice(self, n):
        return ("(Slice" + self.opt(n.lower) + self.opt(n.upper)
                + self.opt(n.step) + ")")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-m", "--mode", default="exec",
                    choices=["exec", "single", "eval"])
    ap.add_argument("-p", "--positions", action="store_true")
    ap.add_argument("-e", "--ends", action="store_true",
                    help="with -p: end positions too (PY_DUMP_ENDS)")
    ap.add_argument("file", nargs="?")
    args = ap.parse_args()
    src = open(args.file).read() if args.file else sys.stdin.read()
    tree = ast.parse(src, mode=args.mode)
    positions = "ends" if args.positions and args.ends else args.positions
    print(Dumper(args.mode, positions).d(tree))


if __name__ == "__main__":
    main()
