/*
 * test_pyparse.c: client/py, heapctl's Python front end -- the tokenizer,
 * the parser, the tree and its dump, error messages and positions, and
 * the REPL's "is this statement complete?" check.
 *
 * The expected dumps are CPython 3.12.1's own trees for the same source,
 * printed in py_ast_dump's format by client/py/astdump.py.  The expected
 * errors (type, message, line, offset) are what
 *     PYENV_VERSION=3.12.1 python3 -c 'compile(SRC, "<t>", MODE)'
 * raises, and the formatted ones what CPython prints for that exception.
 * The REPL cases follow `python3 -i` (when it prints `...`).
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py.h"

enum { M_FILE, M_SINGLE, M_EVAL };

typedef struct dump_case {
    const char *src;
    const char *dump;
} dump_case;

typedef struct error_case {
    const char *src;
    int mode;
    const char *type, *msg;
    int lineno, offset;
} error_case;

typedef struct format_case {
    const char *src;
    const char *out;
} format_case;

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------- */

static int parse_mode(int mode, const char *src, size_t n, py_ast **ast,
                      py_error *err)
{
    switch (mode) {
    case M_SINGLE:
        return py_parse_interactive(src, n, "<t>", ast, err);
    case M_EVAL:
        return py_parse_expression(src, n, "<t>", ast, err);
    default:
        return py_parse_file(src, n, "<t>", ast, err);
    }
}

/* The dump of src, which must parse; the caller frees it. */
static char *dump_of(int mode, const char *src, unsigned flags)
{
    py_ast *ast = NULL;
    py_error err;
    int rc = parse_mode(mode, src, strlen(src), &ast, &err);
    ck_assert_msg(rc == 0, "%s\n failed: %s: %s (line %d, offset %d)", src,
                  err.type, err.msg, err.lineno, err.offset);
    ck_assert_ptr_nonnull(ast);
    char *d = py_ast_dump(py_ast_root(ast), flags);
    ck_assert_ptr_nonnull(d);
    py_ast_free(ast);
    return d;
}

/* CPython's ast has no positions on these; astdump.py prints none. */
static void drop_unplaced_positions(char *s)
{
    static const char *const kinds[] = {"(Module@",        "(Interactive@",
                                        "(Expression@",    "(arguments@",
                                        "(comprehension@", "(withitem@"};
    for (size_t k = 0; k < N(kinds); k++) {
        char *p;
        while ((p = strstr(s, kinds[k])) != NULL) {
            char *at = p + strlen(kinds[k]) - 1;
            char *e = at + 1;
            while ((*e >= '0' && *e <= '9') || *e == ':' || *e == '-')
                e++;
            memmove(at, e, strlen(e) + 1);
        }
    }
}

static void check_dumps(const dump_case *c, size_t n, int mode, unsigned flags)
{
    for (size_t i = 0; i < n; i++) {
        char *d = dump_of(mode, c[i].src, flags);
        if (flags & PY_DUMP_POSITIONS)
            drop_unplaced_positions(d);
        ck_assert_msg(strcmp(d, c[i].dump) == 0, "%s\n got  %s\n want %s",
                      c[i].src, d, c[i].dump);
        free(d);
    }
}

/* src must fail with this error. */
static void check_error(int mode, const char *src, size_t n, const char *type,
                        const char *msg, int lineno, int offset)
{
    py_ast *ast = (py_ast *)1;
    py_error err;
    int rc = parse_mode(mode, src, n, &ast, &err);
    ck_assert_msg(rc == -1, "%s\n parsed, but CPython says %s: %s", src, type,
                  msg);
    ck_assert_ptr_null(ast);
    ck_assert_msg(strcmp(err.type, type) == 0 && strcmp(err.msg, msg) == 0 &&
                      err.lineno == lineno && err.offset == offset,
                  "%s\n got  %s: %s (%d, %d)\n want %s: %s (%d, %d)", src,
                  err.type, err.msg, err.lineno, err.offset, type, msg, lineno,
                  offset);
    ck_assert_str_eq(err.filename, "<t>");
}

static void check_errors(const error_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        check_error(c[i].mode, c[i].src, strlen(c[i].src), c[i].type, c[i].msg,
                    c[i].lineno, c[i].offset);
}

static py_input status_of(const char *src, py_error *err)
{
    return py_input_status(src, strlen(src), "<stdin>", err);
}

/* A string of n copies of s; the caller frees it. */
static char *repeat(const char *s, size_t n)
{
    size_t len = strlen(s);
    char *r = malloc(len * n + 1);
    ck_assert_ptr_nonnull(r);
    for (size_t i = 0; i < n; i++)
        memcpy(r + i * len, s, len);
    r[len * n] = '\0';
    return r;
}

/* ---- expected trees and errors (generated; see the file comment) ----------
 */

static const dump_case slides[] = {
    {"def main():\n"
     "    x=300\n"
     "    print(id(x))\n"
     "    w=fun(x)\n"
     "    print(id(w))\n"
     "\n"
     "def sqr(x):\n"
     "    print (id(x))\n"
     "    z=x*x\n"
     "    print(id(z))\n"
     "    return z\n"
     "\n"
     "if __name__ == \"__main__\":\n"
     "    main()\n",
     "(Module (FunctionDef main (arguments) [(Assign [(Name x Store)] "
     "(Constant 300)) (Expr (Call (Name print) [(Call (Name id) "
     "[(Name x)] [])] [])) (Assign [(Name w Store)] (Call (Name "
     "fun) [(Name x)] [])) (Expr (Call (Name print) [(Call (Name "
     "id) [(Name w)] [])] []))]) (FunctionDef sqr (arguments x) "
     "[(Expr (Call (Name print) [(Call (Name id) [(Name x)] [])] "
     "[])) (Assign [(Name z Store)] (BinOp (Name x) Mult (Name "
     "x))) (Expr (Call (Name print) [(Call (Name id) [(Name z)] "
     "[])] [])) (Return (Name z))]) (If (Compare (Name __name__) "
     "[Eq] [(Constant '__main__')]) [(Expr (Call (Name main) [] "
     "[]))]))"},
    {"def ref_cycle():\n"
     "    list = [1, 2, 3, 4]\n"
     "    list.append(list)\n"
     "    return list\n",
     "(Module (FunctionDef ref_cycle (arguments) [(Assign [(Name "
     "list Store)] (List [(Constant 1) (Constant 2) (Constant 3) "
     "(Constant 4)])) (Expr (Call (Attribute (Name list) append) "
     "[(Name list)] [])) (Return (Name list))]))"},
    {"import gc\n"
     "for i in range(8):\n"
     "    ref_cycle()\n"
     "    n = gc.collect()\n"
     "    print(\"Number of unreachable objects collected by GC:\", "
     "n)\n"
     "    print(\"Uncollectable garbage:\", gc.garbage)\n"
     "print(\"Number of unreachable objects collected by GC:\", "
     "gc.collect())\n",
     "(Module (Import [(alias gc)]) (For (Name i Store) (Call (Name "
     "range) [(Constant 8)] []) [(Expr (Call (Name ref_cycle) [] "
     "[])) (Assign [(Name n Store)] (Call (Attribute (Name gc) "
     "collect) [] [])) (Expr (Call (Name print) [(Constant 'Number "
     "of unreachable objects collected by GC:') (Name n)] [])) "
     "(Expr (Call (Name print) [(Constant 'Uncollectable garbage:') "
     "(Attribute (Name gc) garbage)] []))]) (Expr (Call (Name print) "
     "[(Constant 'Number of unreachable objects collected by GC:') "
     "(Call (Attribute (Name gc) collect) [] [])] [])))"},
    {"import objgraph\n"
     "x = \"hello\"\n"
     "y = [x, [x], list(x), dict(x=x)]\n"
     "objgraph.show_refs([y], filename='sample-graph.png')\n",
     "(Module (Import [(alias objgraph)]) (Assign [(Name x Store)] "
     "(Constant 'hello')) (Assign [(Name y Store)] (List [(Name "
     "x) (List [(Name x)]) (Call (Name list) [(Name x)] []) (Call "
     "(Name dict) [] [(keyword x (Name x))])])) (Expr (Call (Attribute "
     "(Name objgraph) show_refs) [(List [(Name y)])] [(keyword "
     "filename (Constant 'sample-graph.png'))])))"},
    {"print(\"Collecting...\")\n"
     "n = gc.collect()\n"
     "print(\"Number of unreachable objects collected:\", n)\n"
     "print(\"Uncollectable garbage:\", gc.garbage)\n",
     "(Module (Expr (Call (Name print) [(Constant 'Collecting...')] "
     "[])) (Assign [(Name n Store)] (Call (Attribute (Name gc) "
     "collect) [] [])) (Expr (Call (Name print) [(Constant 'Number "
     "of unreachable objects collected:') (Name n)] [])) (Expr "
     "(Call (Name print) [(Constant 'Uncollectable garbage:') (Attribute "
     "(Name gc) garbage)] [])))"},
    {"with open('data.txt', 'r') as file:\n"
     "    data = ','.join(line.strip() for line in file)\n",
     "(Module (With [(withitem (Call (Name open) [(Constant 'data.txt') "
     "(Constant 'r')] []) (Name file Store))] [(Assign [(Name data "
     "Store)] (Call (Attribute (Constant ',') join) [(GeneratorExp "
     "(Call (Attribute (Name line) strip) [] []) [(comprehension "
     "(Name line Store) (Name file) [])])] []))]))"},
    {"list= [1,2,3,4]\n"
     "list[1:3]\n"
     "list[slice(1,3)]\n",
     "(Module (Assign [(Name list Store)] (List [(Constant 1) (Constant "
     "2) (Constant 3) (Constant 4)])) (Expr (Subscript (Name list) "
     "(Slice (Constant 1) (Constant 3) -))) (Expr (Subscript (Name "
     "list) (Call (Name slice) [(Constant 1) (Constant 3)] []))))"},
    {"string= \"hello\"\n"
     "string+= \"world\"\n"
     "wordList = (\"hello\", \"world\")\n"
     "string = \" \".join(wordList)\n",
     "(Module (Assign [(Name string Store)] (Constant 'hello')) "
     "(AugAssign (Name string Store) Add (Constant 'world')) (Assign "
     "[(Name wordList Store)] (Tuple [(Constant 'hello') (Constant "
     "'world')])) (Assign [(Name string Store)] (Call (Attribute "
     "(Constant ' ') join) [(Name wordList)] [])))"},
};
static const dump_case precedence[] = {
    {"-2**2", "(Expression (UnaryOp USub (BinOp (Constant 2) Pow (Constant "
              "2))))"},
    {"a or b and c",
     "(Expression (BoolOp Or [(Name a) (BoolOp And [(Name b) (Name "
     "c)])]))"},
    {"not a == b",
     "(Expression (UnaryOp Not (Compare (Name a) [Eq] [(Name b)])))"},
    {"a < b < c",
     "(Expression (Compare (Name a) [Lt Lt] [(Name b) (Name c)]))"},
    {"2**-1", "(Expression (BinOp (Constant 2) Pow (UnaryOp USub (Constant "
              "1))))"},
    {"a**b**c", "(Expression (BinOp (Name a) Pow (BinOp (Name b) Pow (Name "
                "c))))"},
    {"-a**-b", "(Expression (UnaryOp USub (BinOp (Name a) Pow (UnaryOp USub "
               "(Name b)))))"},
    {"~a + b", "(Expression (BinOp (UnaryOp Invert (Name a)) Add (Name b)))"},
    {"a + b * c - d / e // f % g @ h",
     "(Expression (BinOp (BinOp (Name a) Add (BinOp (Name b) Mult "
     "(Name c))) Sub (BinOp (BinOp (BinOp (BinOp (Name d) Div (Name "
     "e)) FloorDiv (Name f)) Mod (Name g)) MatMult (Name h))))"},
    {"a << b >> c",
     "(Expression (BinOp (BinOp (Name a) LShift (Name b)) RShift "
     "(Name c)))"},
    {"a | b ^ c & d",
     "(Expression (BinOp (Name a) BitOr (BinOp (Name b) BitXor "
     "(BinOp (Name c) BitAnd (Name d)))))"},
    {"a & b | c", "(Expression (BinOp (BinOp (Name a) BitAnd (Name b)) BitOr "
                  "(Name c)))"},
    {"a + b < c + d",
     "(Expression (Compare (BinOp (Name a) Add (Name b)) [Lt] [(BinOp "
     "(Name c) Add (Name d))]))"},
    {"not a and not b or c",
     "(Expression (BoolOp Or [(BoolOp And [(UnaryOp Not (Name a)) "
     "(UnaryOp Not (Name b))]) (Name c)]))"},
    {"a if b else c if d else e",
     "(Expression (IfExp (Name b) (Name a) (IfExp (Name d) (Name "
     "c) (Name e))))"},
    {"(a if b else c) if d else e",
     "(Expression (IfExp (Name d) (IfExp (Name b) (Name a) (Name "
     "c)) (Name e)))"},
    {"lambda: a if b else c",
     "(Expression (Lambda (arguments) (IfExp (Name b) (Name a) "
     "(Name c))))"},
    {"x < y == z != w",
     "(Expression (Compare (Name x) [Lt Eq NotEq] [(Name y) (Name "
     "z) (Name w)]))"},
    {"a is not b is c",
     "(Expression (Compare (Name a) [IsNot Is] [(Name b) (Name "
     "c)]))"},
    {"a not in b in c",
     "(Expression (Compare (Name a) [NotIn In] [(Name b) (Name "
     "c)]))"},
    {"-(-a)", "(Expression (UnaryOp USub (UnaryOp USub (Name a))))"},
    {"+-~a", "(Expression (UnaryOp UAdd (UnaryOp USub (UnaryOp Invert (Name "
             "a)))))"},
    {"a - b - c", "(Expression (BinOp (BinOp (Name a) Sub (Name b)) Sub (Name "
                  "c)))"},
    {"a / b * c", "(Expression (BinOp (BinOp (Name a) Div (Name b)) Mult (Name "
                  "c)))"},
    {"(a - b) - c",
     "(Expression (BinOp (BinOp (Name a) Sub (Name b)) Sub (Name "
     "c)))"},
    {"a - (b - c)", "(Expression (BinOp (Name a) Sub (BinOp (Name b) Sub (Name "
                    "c))))"},
    {"a ** -b ** c",
     "(Expression (BinOp (Name a) Pow (UnaryOp USub (BinOp (Name "
     "b) Pow (Name c)))))"},
    {"await_ + 1", "(Expression (BinOp (Name await_) Add (Constant 1)))"},
    {"x[1] ** 2", "(Expression (BinOp (Subscript (Name x) (Constant 1)) Pow "
                  "(Constant 2)))"},
    {"f(x).y[0]", "(Expression (Subscript (Attribute (Call (Name f) [(Name x)] "
                  "[]) y) (Constant 0)))"},
    {"not not a", "(Expression (UnaryOp Not (UnaryOp Not (Name a))))"},
    {"a and b and c", "(Expression (BoolOp And [(Name a) (Name b) (Name c)]))"},
    {"a or (b or c)",
     "(Expression (BoolOp Or [(Name a) (BoolOp Or [(Name b) (Name "
     "c)])]))"},
    {"1 + 2 if x else 3 * 4",
     "(Expression (IfExp (Name x) (BinOp (Constant 1) Add (Constant "
     "2)) (BinOp (Constant 3) Mult (Constant 4))))"},
};
static const dump_case statements[] = {
    {"x = 1", "(Module (Assign [(Name x Store)] (Constant 1)))"},
    {"x = y = z = 0",
     "(Module (Assign [(Name x Store) (Name y Store) (Name z Store)] "
     "(Constant 0)))"},
    {"a, b = b, a",
     "(Module (Assign [(Tuple [(Name a Store) (Name b Store)] Store)] "
     "(Tuple [(Name b) (Name a)])))"},
    {"[a, b] = c",
     "(Module (Assign [(List [(Name a Store) (Name b Store)] Store)] "
     "(Name c)))"},
    {"(a, b), c = d",
     "(Module (Assign [(Tuple [(Tuple [(Name a Store) (Name b Store)] "
     "Store) (Name c Store)] Store)] (Name d)))"},
    {"a.b = 1", "(Module (Assign [(Attribute (Name a) b Store)] (Constant "
                "1)))"},
    {"a[0] = 1", "(Module (Assign [(Subscript (Name a) (Constant 0) Store)] "
                 "(Constant 1)))"},
    {"a[1:2] = b", "(Module (Assign [(Subscript (Name a) (Slice (Constant 1) "
                   "(Constant 2) -) Store)] (Name b)))"},
    {"*a, b = c",
     "(Module (Assign [(Tuple [(Starred (Name a Store) Store) (Name "
     "b Store)] Store)] (Name c)))"},
    {"x: int = 5",
     "(Module (AnnAssign (Name x Store) (Name int) (Constant 5)))"},
    {"x.y: str",
     "(Module (AnnAssign (Attribute (Name x) y Store) (Name str)))"},
    {"(x): int = 1",
     "(Module (AnnAssign (Name x Store) (Name int) (Constant 1)))"},
    {"x += 1", "(Module (AugAssign (Name x Store) Add (Constant 1)))"},
    {"x -= 1", "(Module (AugAssign (Name x Store) Sub (Constant 1)))"},
    {"x *= 2", "(Module (AugAssign (Name x Store) Mult (Constant 2)))"},
    {"x /= 2", "(Module (AugAssign (Name x Store) Div (Constant 2)))"},
    {"x //= 2", "(Module (AugAssign (Name x Store) FloorDiv (Constant 2)))"},
    {"x %= 2", "(Module (AugAssign (Name x Store) Mod (Constant 2)))"},
    {"x **= 2", "(Module (AugAssign (Name x Store) Pow (Constant 2)))"},
    {"x @= m", "(Module (AugAssign (Name x Store) MatMult (Name m)))"},
    {"x &= 1", "(Module (AugAssign (Name x Store) BitAnd (Constant 1)))"},
    {"x |= 1", "(Module (AugAssign (Name x Store) BitOr (Constant 1)))"},
    {"x ^= 1", "(Module (AugAssign (Name x Store) BitXor (Constant 1)))"},
    {"x <<= 1", "(Module (AugAssign (Name x Store) LShift (Constant 1)))"},
    {"x >>= 1", "(Module (AugAssign (Name x Store) RShift (Constant 1)))"},
    {"a.b += 1",
     "(Module (AugAssign (Attribute (Name a) b Store) Add (Constant "
     "1)))"},
    {"a[i] -= 1", "(Module (AugAssign (Subscript (Name a) (Name i) Store) Sub "
                  "(Constant 1)))"},
    {"del x", "(Module (Delete [(Name x Del)]))"},
    {"del x, y", "(Module (Delete [(Name x Del) (Name y Del)]))"},
    {"del a.b, a[0]",
     "(Module (Delete [(Attribute (Name a) b Del) (Subscript (Name "
     "a) (Constant 0) Del)]))"},
    {"del (a, b)",
     "(Module (Delete [(Tuple [(Name a Del) (Name b Del)] Del)]))"},
    {"del [a, b], c",
     "(Module (Delete [(List [(Name a Del) (Name b Del)] Del) (Name "
     "c Del)]))"},
    {"del x,", "(Module (Delete [(Name x Del)]))"},
    {"pass", "(Module (Pass))"},
    {"while True:\n"
     "    break\n",
     "(Module (While (Constant True) [(Break)]))"},
    {"for x in y:\n"
     "    continue\n",
     "(Module (For (Name x Store) (Name y) [(Continue)]))"},
    {"def f():\n"
     "    return\n",
     "(Module (FunctionDef f (arguments) [(Return)]))"},
    {"def f():\n"
     "    return 1, 2\n",
     "(Module (FunctionDef f (arguments) [(Return (Tuple [(Constant "
     "1) (Constant 2)]))]))"},
    {"if a:\n"
     "    b\n"
     "elif c:\n"
     "    d\n"
     "else:\n"
     "    e\n",
     "(Module (If (Name a) [(Expr (Name b))] orelse=[(If (Name "
     "c) [(Expr (Name d))] orelse=[(Expr (Name e))])]))"},
    {"if a:\n"
     "    pass\n"
     "elif b:\n"
     "    pass\n"
     "elif c:\n"
     "    pass\n",
     "(Module (If (Name a) [(Pass)] orelse=[(If (Name b) [(Pass)] "
     "orelse=[(If (Name c) [(Pass)])])]))"},
    {"while x:\n"
     "    y\n"
     "else:\n"
     "    z\n",
     "(Module (While (Name x) [(Expr (Name y))] orelse=[(Expr (Name "
     "z))]))"},
    {"for a, b in c:\n"
     "    d\n"
     "else:\n"
     "    e\n",
     "(Module (For (Tuple [(Name a Store) (Name b Store)] Store) "
     "(Name c) [(Expr (Name d))] orelse=[(Expr (Name e))]))"},
    {"for x in 1, 2:\n"
     "    pass\n",
     "(Module (For (Name x Store) (Tuple [(Constant 1) (Constant "
     "2)]) [(Pass)]))"},
    {"try:\n"
     "    a\n"
     "except ValueError:\n"
     "    b\n"
     "except (TypeError, KeyError) as e:\n"
     "    c\n"
     "except:\n"
     "    d\n"
     "else:\n"
     "    e\n"
     "finally:\n"
     "    f\n",
     "(Module (Try [(Expr (Name a))] [(ExceptHandler (Name ValueError) "
     "- [(Expr (Name b))]) (ExceptHandler (Tuple [(Name TypeError) "
     "(Name KeyError)]) e [(Expr (Name c))]) (ExceptHandler - - "
     "[(Expr (Name d))])] [(Expr (Name e))] [(Expr (Name f))]))"},
    {"try:\n"
     "    a\n"
     "finally:\n"
     "    b\n",
     "(Module (Try [(Expr (Name a))] [] [] [(Expr (Name b))]))"},
    {"raise", "(Module (Raise))"},
    {"raise X", "(Module (Raise (Name X)))"},
    {"raise X from Y", "(Module (Raise (Name X) (Name Y)))"},
    {"raise ValueError('bad')",
     "(Module (Raise (Call (Name ValueError) [(Constant 'bad')] "
     "[])))"},
    {"def f(a, b=1, *args, c, d=2, **kwargs):\n"
     "    pass\n",
     "(Module (FunctionDef f (arguments a b=(Constant 1) *args "
     "c d=(Constant 2) **kwargs) [(Pass)]))"},
    {"def f(a, /, b, *, c):\n"
     "    pass\n",
     "(Module (FunctionDef f (arguments a / b * c) [(Pass)]))"},
    {"def f(*, a=1):\n"
     "    pass\n",
     "(Module (FunctionDef f (arguments * a=(Constant 1)) [(Pass)]))"},
    {"def f(a: int, b: str = 'x') -> bool:\n"
     "    pass\n",
     "(Module (FunctionDef f (arguments a:(Name int) b:(Name str)=(Constant "
     "'x')) [(Pass)] returns=(Name bool)))"},
    {"def f(*args, **kwargs):\n"
     "    pass\n",
     "(Module (FunctionDef f (arguments *args **kwargs) [(Pass)]))"},
    {"class C:\n"
     "    pass\n",
     "(Module (ClassDef C [(Pass)]))"},
    {"class C(B):\n"
     "    def __init__(self, x):\n"
     "        self.x = x\n"
     "    def __del__(self):\n"
     "        print('del', self.x)\n",
     "(Module (ClassDef C [(FunctionDef __init__ (arguments self "
     "x) [(Assign [(Attribute (Name self) x Store)] (Name x))]) "
     "(FunctionDef __del__ (arguments self) [(Expr (Call (Name "
     "print) [(Constant 'del') (Attribute (Name self) x)] []))])] "
     "bases=[(Name B)]))"},
    {"class C(A, B, metaclass=M):\n"
     "    x = 1\n",
     "(Module (ClassDef C [(Assign [(Name x Store)] (Constant 1))] "
     "bases=[(Name A) (Name B)] keywords=[(keyword metaclass (Name "
     "M))]))"},
    {"class C():\n"
     "    pass\n",
     "(Module (ClassDef C [(Pass)]))"},
    {"import a", "(Module (Import [(alias a)]))"},
    {"import a, b as c", "(Module (Import [(alias a) (alias b c)]))"},
    {"import a.b.c", "(Module (Import [(alias a.b.c)]))"},
    {"import a.b as c", "(Module (Import [(alias a.b c)]))"},
    {"from a import b", "(Module (ImportFrom a [(alias b)] 0))"},
    {"from a import b as c, d",
     "(Module (ImportFrom a [(alias b c) (alias d)] 0))"},
    {"from a.b import (c, d,)",
     "(Module (ImportFrom a.b [(alias c) (alias d)] 0))"},
    {"from . import x", "(Module (ImportFrom - [(alias x)] 1))"},
    {"from .. import x", "(Module (ImportFrom - [(alias x)] 2))"},
    {"from ...a import b", "(Module (ImportFrom a [(alias b)] 3))"},
    {"from .a import *", "(Module (ImportFrom a [(alias *)] 1))"},
    {"global x, y", "(Module (Global [x y]))"},
    {"def f():\n"
     "    y = 1\n"
     "    def g():\n"
     "        global x\n"
     "        nonlocal y\n",
     "(Module (FunctionDef f (arguments) [(Assign [(Name y Store)] "
     "(Constant 1)) (FunctionDef g (arguments) [(Global [x]) (Nonlocal "
     "[y])])]))"},
    {"assert x", "(Module (Assert (Name x)))"},
    {"assert x, 'msg'", "(Module (Assert (Name x) (Constant 'msg')))"},
    {"with a as b:\n"
     "    pass\n",
     "(Module (With [(withitem (Name a) (Name b Store))] [(Pass)]))"},
    {"with a, b as c:\n"
     "    pass\n",
     "(Module (With [(withitem (Name a)) (withitem (Name b) (Name "
     "c Store))] [(Pass)]))"},
    {"with (a as b, c as d):\n"
     "    pass\n",
     "(Module (With [(withitem (Name a) (Name b Store)) (withitem "
     "(Name c) (Name d Store))] [(Pass)]))"},
    {"with (a, b) as c:\n"
     "    pass\n",
     "(Module (With [(withitem (Tuple [(Name a) (Name b)]) (Name "
     "c Store))] [(Pass)]))"},
    {"with a as (b, c):\n"
     "    pass\n",
     "(Module (With [(withitem (Name a) (Tuple [(Name b Store) "
     "(Name c Store)] Store))] [(Pass)]))"},
    {"@dec\n"
     "def f():\n"
     "    pass\n",
     "(Module (FunctionDef f (arguments) [(Pass)] decorators=[(Name "
     "dec)]))"},
    {"@a.b(1)\n"
     "@c\n"
     "class C:\n"
     "    pass\n",
     "(Module (ClassDef C [(Pass)] decorators=[(Call (Attribute "
     "(Name a) b) [(Constant 1)] []) (Name c)]))"},
    {"x = 1; y = 2",
     "(Module (Assign [(Name x Store)] (Constant 1)) (Assign [(Name "
     "y Store)] (Constant 2)))"},
    {"if x: pass", "(Module (If (Name x) [(Pass)]))"},
    {"if x: a; b", "(Module (If (Name x) [(Expr (Name a)) (Expr (Name b))]))"},
    {"while 1: pass", "(Module (While (Constant 1) [(Pass)]))"},
    {"def f(): return 1",
     "(Module (FunctionDef f (arguments) [(Return (Constant 1))]))"},
    {"class C: pass", "(Module (ClassDef C [(Pass)]))"},
    {"def g():\n"
     "    x = yield\n"
     "    yield 1\n"
     "    yield from h()\n",
     "(Module (FunctionDef g (arguments) [(Assign [(Name x Store)] "
     "(Yield)) (Expr (Yield (Constant 1))) (Expr (YieldFrom (Call "
     "(Name h) [] [])))]))"},
    {"x = 1\n"
     "\n"
     "\n"
     "# comment\n"
     "y = 2  # trailing\n",
     "(Module (Assign [(Name x Store)] (Constant 1)) (Assign [(Name "
     "y Store)] (Constant 2)))"},
    {"if x:\n"
     "\n"
     "    # c\n"
     "    y\n"
     "\n",
     "(Module (If (Name x) [(Expr (Name y))]))"},
    {"x = [1,\n"
     "     2,\n"
     "     3]",
     "(Module (Assign [(Name x Store)] (List [(Constant 1) (Constant "
     "2) (Constant 3)])))"},
    {"x = (1 +\n"
     "     2)",
     "(Module (Assign [(Name x Store)] (BinOp (Constant 1) Add "
     "(Constant 2))))"},
    {"x = 1 + \\\n"
     "    2",
     "(Module (Assign [(Name x Store)] (BinOp (Constant 1) Add "
     "(Constant 2))))"},
    {"if True:\n"
     "\tx = 1\n"
     "\tif x:\n"
     "\t\ty = 2\n",
     "(Module (If (Constant True) [(Assign [(Name x Store)] (Constant "
     "1)) (If (Name x) [(Assign [(Name y Store)] (Constant 2))])]))"},
    {"if (n := len(a)) > 10:\n"
     "    pass\n",
     "(Module (If (Compare (NamedExpr (Name n Store) (Call (Name "
     "len) [(Name a)] [])) [Gt] [(Constant 10)]) [(Pass)]))"},
    {"\014x = 1\n", "(Module (Assign [(Name x Store)] (Constant 1)))"},
};
static const dump_case expressions[] = {
    {"f(a, b, *c, d=1, **e)",
     "(Expression (Call (Name f) [(Name a) (Name b) (Starred (Name "
     "c))] [(keyword d (Constant 1)) (keyword - (Name e))]))"},
    {"f(*a, *b)",
     "(Expression (Call (Name f) [(Starred (Name a)) (Starred (Name "
     "b))] []))"},
    {"f(a=1, *b)", "(Expression (Call (Name f) [(Starred (Name b))] [(keyword "
                   "a (Constant 1))]))"},
    {"f(x for x in y)",
     "(Expression (Call (Name f) [(GeneratorExp (Name x) [(comprehension "
     "(Name x Store) (Name y) [])])] []))"},
    {"f(**a, **b)",
     "(Expression (Call (Name f) [] [(keyword - (Name a)) (keyword "
     "- (Name b))]))"},
    {"f(a)(b)(c)",
     "(Expression (Call (Call (Call (Name f) [(Name a)] []) [(Name "
     "b)] []) [(Name c)] []))"},
    {"a.b.c.d", "(Expression (Attribute (Attribute (Attribute (Name a) b) "
                "c) d))"},
    {"a[1][2]", "(Expression (Subscript (Subscript (Name a) (Constant 1)) "
                "(Constant 2)))"},
    {"a[1:2]", "(Expression (Subscript (Name a) (Slice (Constant 1) (Constant "
               "2) -)))"},
    {"a[::2]", "(Expression (Subscript (Name a) (Slice - - (Constant 2))))"},
    {"a[1:2, 3]", "(Expression (Subscript (Name a) (Tuple [(Slice (Constant "
                  "1) (Constant 2) -) (Constant 3)])))"},
    {"a[:]", "(Expression (Subscript (Name a) (Slice - - -)))"},
    {"a[1:]", "(Expression (Subscript (Name a) (Slice (Constant 1) - -)))"},
    {"a[:2]", "(Expression (Subscript (Name a) (Slice - (Constant 2) -)))"},
    {"a[::]", "(Expression (Subscript (Name a) (Slice - - -)))"},
    {"a[x:=1]", "(Expression (Subscript (Name a) (NamedExpr (Name x Store) "
                "(Constant 1))))"},
    {"a[*b]", "(Expression (Subscript (Name a) (Tuple [(Starred (Name b))])))"},
    {"a[1,]", "(Expression (Subscript (Name a) (Tuple [(Constant 1)])))"},
    {"a[()]", "(Expression (Subscript (Name a) (Tuple [])))"},
    {"x[::-1]", "(Expression (Subscript (Name x) (Slice - - (UnaryOp USub "
                "(Constant 1)))))"},
    {"()", "(Expression (Tuple []))"},
    {"(1,)", "(Expression (Tuple [(Constant 1)]))"},
    {"(1, 2)", "(Expression (Tuple [(Constant 1) (Constant 2)]))"},
    {"(1)", "(Expression (Constant 1))"},
    {"[]", "(Expression (List []))"},
    {"[1]", "(Expression (List [(Constant 1)]))"},
    {"[1, 2,]", "(Expression (List [(Constant 1) (Constant 2)]))"},
    {"{}", "(Expression (Dict [] []))"},
    {"{1: 2}", "(Expression (Dict [(Constant 1)] [(Constant 2)]))"},
    {"{1: 2, **a}",
     "(Expression (Dict [(Constant 1) -] [(Constant 2) (Name a)]))"},
    {"{**a, 'b': 1}",
     "(Expression (Dict [- (Constant 'b')] [(Name a) (Constant "
     "1)]))"},
    {"{1}", "(Expression (Set [(Constant 1)]))"},
    {"{1, 2}", "(Expression (Set [(Constant 1) (Constant 2)]))"},
    {"{*a, *b}", "(Expression (Set [(Starred (Name a)) (Starred (Name b))]))"},
    {"[*a, *b]", "(Expression (List [(Starred (Name a)) (Starred (Name b))]))"},
    {"(*a, *b)",
     "(Expression (Tuple [(Starred (Name a)) (Starred (Name b))]))"},
    {"[x for x in y]",
     "(Expression (ListComp (Name x) [(comprehension (Name x Store) "
     "(Name y) [])]))"},
    {"[x for x in y if x if z]",
     "(Expression (ListComp (Name x) [(comprehension (Name x Store) "
     "(Name y) [(Name x) (Name z)])]))"},
    {"[x for x in y for z in x]",
     "(Expression (ListComp (Name x) [(comprehension (Name x Store) "
     "(Name y) []) (comprehension (Name z Store) (Name x) [])]))"},
    {"{x for x in y}",
     "(Expression (SetComp (Name x) [(comprehension (Name x Store) "
     "(Name y) [])]))"},
    {"{k: v for k, v in d.items()}",
     "(Expression (DictComp (Name k) (Name v) [(comprehension (Tuple "
     "[(Name k Store) (Name v Store)] Store) (Call (Attribute (Name "
     "d) items) [] []) [])]))"},
    {"(x for x in y)",
     "(Expression (GeneratorExp (Name x) [(comprehension (Name "
     "x Store) (Name y) [])]))"},
    {"[(x, y) for x in a for y in b if x != y]",
     "(Expression (ListComp (Tuple [(Name x) (Name y)]) [(comprehension "
     "(Name x Store) (Name a) []) (comprehension (Name y Store) "
     "(Name b) [(Compare (Name x) [NotEq] [(Name y)])])]))"},
    {"[x for x, in y]",
     "(Expression (ListComp (Name x) [(comprehension (Tuple [(Name "
     "x Store)] Store) (Name y) [])]))"},
    {"[[y for y in x] for x in z]",
     "(Expression (ListComp (ListComp (Name y) [(comprehension "
     "(Name y Store) (Name x) [])]) [(comprehension (Name x Store) "
     "(Name z) [])]))"},
    {"lambda: 0", "(Expression (Lambda (arguments) (Constant 0)))"},
    {"lambda x, *y, z=1, **k: x",
     "(Expression (Lambda (arguments x *y z=(Constant 1) **k) (Name "
     "x)))"},
    {"lambda *args, **kwargs: 0",
     "(Expression (Lambda (arguments *args **kwargs) (Constant "
     "0)))"},
    {"lambda a, /, b: 0",
     "(Expression (Lambda (arguments a / b) (Constant 0)))"},
    {"lambda *, a: a", "(Expression (Lambda (arguments * a) (Name a)))"},
    {"sorted(x, key=lambda k: -k)",
     "(Expression (Call (Name sorted) [(Name x)] [(keyword key "
     "(Lambda (arguments k) (UnaryOp USub (Name k))))]))"},
    {"(x := 1)", "(Expression (NamedExpr (Name x Store) (Constant 1)))"},
    {"[y := f(x), y ** 2]",
     "(Expression (List [(NamedExpr (Name y Store) (Call (Name "
     "f) [(Name x)] [])) (BinOp (Name y) Pow (Constant 2))]))"},
    {"print(*args, sep='')",
     "(Expression (Call (Name print) [(Starred (Name args))] [(keyword "
     "sep (Constant ''))]))"},
    {"isinstance(x, (int, float))",
     "(Expression (Call (Name isinstance) [(Name x) (Tuple [(Name "
     "int) (Name float)])] []))"},
    {"x if y else z", "(Expression (IfExp (Name y) (Name x) (Name z)))"},
    {"a is b", "(Expression (Compare (Name a) [Is] [(Name b)]))"},
    {"a in b", "(Expression (Compare (Name a) [In] [(Name b)]))"},
};
static const dump_case literals[] = {
    {"1", "(Expression (Constant 1))"},
    {"1.5", "(Expression (Constant 1.5))"},
    {"1e10", "(Expression (Constant 10000000000.0))"},
    {".5", "(Expression (Constant 0.5))"},
    {"5.", "(Expression (Constant 5.0))"},
    {"0x1F", "(Expression (Constant 31))"},
    {"0o17", "(Expression (Constant 15))"},
    {"0b101", "(Expression (Constant 5))"},
    {"1_000_000", "(Expression (Constant 1000000))"},
    {"1j", "(Expression (Constant 1j))"},
    {"1.5j", "(Expression (Constant 1.5j))"},
    {"1e100", "(Expression (Constant 1e+100))"},
    {"1e-7", "(Expression (Constant 1e-07))"},
    {"123456789012345678901234567890",
     "(Expression (Constant 123456789012345678901234567890))"},
    {"0xFFFFFFFFFFFFFFFF", "(Expression (Constant 18446744073709551615))"},
    {"0x10000000000000000", "(Expression (Constant 18446744073709551616))"},
    {"18446744073709551615", "(Expression (Constant 18446744073709551615))"},
    {"18446744073709551616", "(Expression (Constant 18446744073709551616))"},
    {"1e16", "(Expression (Constant 1e+16))"},
    {"1e15", "(Expression (Constant 1000000000000000.0))"},
    {"0.0001", "(Expression (Constant 0.0001))"},
    {"0.00001", "(Expression (Constant 1e-05))"},
    {"1e22", "(Expression (Constant 1e+22))"},
    {"2.5e-3", "(Expression (Constant 0.0025))"},
    {"00", "(Expression (Constant 0))"},
    {"1E5", "(Expression (Constant 100000.0))"},
    {"1_0.0_1", "(Expression (Constant 10.01))"},
    {"1e308", "(Expression (Constant 1e+308))"},
    {"1e309", "(Expression (Constant inf))"},
    {"0.1", "(Expression (Constant 0.1))"},
    {"...", "(Expression (Constant Ellipsis))"},
    {"None", "(Expression (Constant None))"},
    {"True", "(Expression (Constant True))"},
    {"False", "(Expression (Constant False))"},
    {"'a'", "(Expression (Constant 'a'))"},
    {"\"a\"", "(Expression (Constant 'a'))"},
    {"'''a\n"
     "b'''",
     "(Expression (Constant 'a\\nb'))"},
    {"\"\"\"a\"\"\"", "(Expression (Constant 'a'))"},
    {"r'\\n'", "(Expression (Constant '\\\\n'))"},
    {"b'abc'", "(Expression (Constant b'abc'))"},
    {"rb'\\x00'", "(Expression (Constant b'\\\\x00'))"},
    {"Br'a'", "(Expression (Constant b'a'))"},
    {"u'x'", "(Expression (Constant 'x'))"},
    {"'a' 'b'", "(Expression (Constant 'ab'))"},
    {"'a' \"b\" '''c'''", "(Expression (Constant 'abc'))"},
    {"b'a' b'b'", "(Expression (Constant b'ab'))"},
    {"'\\n\\t\\\\\\'\\\"'", "(Expression (Constant '\\n\\t\\\\\\'\"'))"},
    {"'\\x41\\u00e9\\U0001F600'", "(Expression (Constant 'Aé😀'))"},
    {"'\\101'", "(Expression (Constant 'A'))"},
    {"'\\0'", "(Expression (Constant '\\x00'))"},
    {"'é€😀'", "(Expression (Constant 'é€😀'))"},
    {"'\\q'", "(Expression (Constant '\\\\q'))"},
    {"'a\\\n"
     "b'",
     "(Expression (Constant 'ab'))"},
    {"b'\\x00\\xff'", "(Expression (Constant b'\\x00\\xff'))"},
    {"'it\\'s'", "(Expression (Constant \"it's\"))"},
    {"\"it's\"", "(Expression (Constant \"it's\"))"},
    {"'\"'", "(Expression (Constant '\"'))"},
    {"'\\x7f\\x80\\xa0'", "(Expression (Constant '\\x7f\\x80\\xa0'))"},
    {"'\\a\\b\\f\\v\\r'", "(Expression (Constant '\\x07\\x08\\x0c\\x0b\\r'))"},
    {"''", "(Expression (Constant ''))"},
    {"b''", "(Expression (Constant b''))"},
    {"'\\ud800'", "(Expression (Constant '\\ud800'))"},
};
static const dump_case fstrings[] = {
    {"f'a{x}b'", "(Expression (JoinedStr [(Constant 'a') (FormattedValue (Name "
                 "x)) (Constant 'b')]))"},
    {"f'{x!r}'", "(Expression (JoinedStr [(FormattedValue (Name x) r)]))"},
    {"f'{x!s}'", "(Expression (JoinedStr [(FormattedValue (Name x) s)]))"},
    {"f'{x!a}'", "(Expression (JoinedStr [(FormattedValue (Name x) a)]))"},
    {"f'{x:>10}'",
     "(Expression (JoinedStr [(FormattedValue (Name x) - (JoinedStr "
     "[(Constant '>10')]))]))"},
    {"f'{x:{w}}'",
     "(Expression (JoinedStr [(FormattedValue (Name x) - (JoinedStr "
     "[(FormattedValue (Name w))]))]))"},
    {"f'{x=}'", "(Expression (JoinedStr [(Constant 'x=') (FormattedValue (Name "
                "x) r)]))"},
    {"f'{x = }'", "(Expression (JoinedStr [(Constant 'x = ') (FormattedValue "
                  "(Name x) r)]))"},
    {"f'{x=!s:>10}'",
     "(Expression (JoinedStr [(Constant 'x=') (FormattedValue (Name "
     "x) s (JoinedStr [(Constant '>10')]))]))"},
    {"f'{x=:>10}'",
     "(Expression (JoinedStr [(Constant 'x=') (FormattedValue (Name "
     "x) - (JoinedStr [(Constant '>10')]))]))"},
    {"f'{{a}}'", "(Expression (JoinedStr [(Constant '{a}')]))"},
    {"f''", "(Expression (JoinedStr []))"},
    {"'a' f'b{x}' 'c'",
     "(Expression (JoinedStr [(Constant 'ab') (FormattedValue (Name "
     "x)) (Constant 'c')]))"},
    {"f'{x}' f'{y}'",
     "(Expression (JoinedStr [(FormattedValue (Name x)) (FormattedValue "
     "(Name y))]))"},
    {"f'{a}{b}'",
     "(Expression (JoinedStr [(FormattedValue (Name a)) (FormattedValue "
     "(Name b))]))"},
    {"f'{x:.2f}'",
     "(Expression (JoinedStr [(FormattedValue (Name x) - (JoinedStr "
     "[(Constant '.2f')]))]))"},
    {"f'{x!r:>{w}}'",
     "(Expression (JoinedStr [(FormattedValue (Name x) r (JoinedStr "
     "[(Constant '>') (FormattedValue (Name w))]))]))"},
    {"f'{\"a\"}'",
     "(Expression (JoinedStr [(FormattedValue (Constant 'a'))]))"},
    {"f'{'a'}'", "(Expression (JoinedStr [(FormattedValue (Constant 'a'))]))"},
    {"rf'\\{x}'",
     "(Expression (JoinedStr [(Constant '\\\\') (FormattedValue (Name "
     "x))]))"},
    {"f'{a[1]}'", "(Expression (JoinedStr [(FormattedValue (Subscript (Name "
                  "a) (Constant 1)))]))"},
    {"f'{d[\"k\"]}'",
     "(Expression (JoinedStr [(FormattedValue (Subscript (Name "
     "d) (Constant 'k')))]))"},
    {"f'{x:{y}.{z}}'",
     "(Expression (JoinedStr [(FormattedValue (Name x) - (JoinedStr "
     "[(FormattedValue (Name y)) (Constant '.') (FormattedValue "
     "(Name z))]))]))"},
    {"f'''{x\n"
     "}'''",
     "(Expression (JoinedStr [(FormattedValue (Name x))]))"},
    {"f'{x}\\n'", "(Expression (JoinedStr [(FormattedValue (Name x)) (Constant "
                  "'\\n')]))"},
    {"f'{ x }'", "(Expression (JoinedStr [(FormattedValue (Name x))]))"},
    {"f'{x,y}'", "(Expression (JoinedStr [(FormattedValue (Tuple [(Name x) "
                 "(Name y)]))]))"},
    {"f'{(x:=1)}'", "(Expression (JoinedStr [(FormattedValue (NamedExpr (Name "
                    "x Store) (Constant 1)))]))"},
    {"f'{x:=1}'",
     "(Expression (JoinedStr [(FormattedValue (Name x) - (JoinedStr "
     "[(Constant '=1')]))]))"},
    {"f'{f\"{x}\"}'",
     "(Expression (JoinedStr [(FormattedValue (JoinedStr [(FormattedValue "
     "(Name x))]))]))"},
    {"f'{f'{f'{1}'}'}'",
     "(Expression (JoinedStr [(FormattedValue (JoinedStr [(FormattedValue "
     "(JoinedStr [(FormattedValue (Constant 1))]))]))]))"},
    {"f'{id(x):#x}'",
     "(Expression (JoinedStr [(FormattedValue (Call (Name id) [(Name "
     "x)] []) - (JoinedStr [(Constant '#x')]))]))"},
    {"f'{x!r:}'",
     "(Expression (JoinedStr [(FormattedValue (Name x) r (JoinedStr "
     "[]))]))"},
    {"f'{x:}'", "(Expression (JoinedStr [(FormattedValue (Name x) - (JoinedStr "
                "[]))]))"},
    {"F'{x}'", "(Expression (JoinedStr [(FormattedValue (Name x))]))"},
    {"f'''{\n"
     "x # comment\n"
     "}'''",
     "(Expression (JoinedStr [(FormattedValue (Name x))]))"},
    {"f'{3.14:.1f}'",
     "(Expression (JoinedStr [(FormattedValue (Constant 3.14) - "
     "(JoinedStr [(Constant '.1f')]))]))"},
    {"f'{x}' 'y' f'{z}'",
     "(Expression (JoinedStr [(FormattedValue (Name x)) (Constant "
     "'y') (FormattedValue (Name z))]))"},
    {"f'{(lambda: 1)()}'",
     "(Expression (JoinedStr [(FormattedValue (Call (Lambda (arguments) "
     "(Constant 1)) [] []))]))"},
};
static const dump_case interactive[] = {
    {"x = 1\n", "(Interactive (Assign [(Name x Store)] (Constant 1)))"},
    {"x\n", "(Interactive (Expr (Name x) echo))"},
    {"1 + 2\n", "(Interactive (Expr (BinOp (Constant 1) Add (Constant 2)) "
                "echo))"},
    {"if x:\n"
     "    y\n"
     "\n",
     "(Interactive (If (Name x) [(Expr (Name y) echo)]))"},
    {"for i in range(3):\n"
     "    i\n"
     "\n",
     "(Interactive (For (Name i Store) (Call (Name range) [(Constant "
     "3)] []) [(Expr (Name i) echo)]))"},
    {"def f():\n"
     "    x\n"
     "\n",
     "(Interactive (FunctionDef f (arguments) [(Expr (Name x))]))"},
    {"class C:\n"
     "    x\n",
     "(Interactive (ClassDef C [(Expr (Name x))]))"},
    {"1; 2\n", "(Interactive (Expr (Constant 1) echo) (Expr (Constant 2) "
               "echo))"},
    {"print(1)\n", "(Interactive (Expr (Call (Name print) [(Constant 1)] []) "
                   "echo))"},
    {"if x:\n"
     "    y\n"
     "else:\n"
     "    z\n",
     "(Interactive (If (Name x) [(Expr (Name y) echo)] orelse=[(Expr "
     "(Name z) echo)]))"},
    {"try:\n"
     "    x\n"
     "except:\n"
     "    y\n"
     "\n",
     "(Interactive (Try [(Expr (Name x) echo)] [(ExceptHandler "
     "- - [(Expr (Name y) echo)])] [] []))"},
    {"id(x)\n", "(Interactive (Expr (Call (Name id) [(Name x)] []) echo))"},
    {"lambda: x\n", "(Interactive (Expr (Lambda (arguments) (Name x)) echo))"},
};
static const dump_case positions[] = {
    {"x = 300\n"
     "print(id(x))\n",
     "(Module (Assign@1:0-1:7 [(Name@1:0-1:1 x Store)] (Constant@1:4-1:7 "
     "300)) (Expr@2:0-2:12 (Call@2:0-2:12 (Name@2:0-2:5 print) "
     "[(Call@2:6-2:11 (Name@2:6-2:8 id) [(Name@2:9-2:10 x)] [])] "
     "[])))"},
    {"print(f'{x=}', 'a' f'{{b}}{c!r:>{w}}')\n",
     "(Module (Expr@1:0-1:38 (Call@1:0-1:38 (Name@1:0-1:5 print) "
     "[(JoinedStr@1:6-1:13 [(Constant@1:9-1:11 'x=') (FormattedValue@1:8-1:12 "
     "(Name@1:9-1:10 x) r)]) (JoinedStr@1:15-1:37 [(Constant@1:15-1:26 "
     "'a{b}') (FormattedValue@1:26-1:36 (Name@1:27-1:28 c) r "
     "(JoinedStr@1:30-1:35 "
     "[(Constant@1:31-1:32 '>') (FormattedValue@1:32-1:35 (Name@1:33-1:34 "
     "w))]))])] [])))"},
    {"(1)\n"
     "x = (a)\n",
     "(Module (Expr@1:0-1:3 (Constant@1:1-1:2 1)) (Assign@2:0-2:7 "
     "[(Name@2:0-2:1 x Store)] (Name@2:5-2:6 a)))"},
    {"x = '''\n"
     "multi\n"
     "'''\n"
     "y = 1\n",
     "(Module (Assign@1:0-3:3 [(Name@1:0-1:1 x Store)] (Constant@1:4-3:3 "
     "'\\nmulti\\n')) (Assign@4:0-4:5 [(Name@4:0-4:1 y Store)] "
     "(Constant@4:4-4:5 "
     "1)))"},
    {"class C(B):\n"
     "    def __del__(self):\n"
     "        pass\n",
     "(Module (ClassDef@1:0-3:12 C [(FunctionDef@2:4-3:12 __del__ "
     "(arguments self) [(Pass@3:8-3:12)])] bases=[(Name@1:8-1:9 "
     "B)]))"},
    {"(a or b) and c\n",
     "(Module (Expr@1:0-1:14 (BoolOp@1:0-1:14 And [(BoolOp@1:1-1:7 "
     "Or [(Name@1:1-1:2 a) (Name@1:6-1:7 b)]) (Name@1:13-1:14 c)])))"},
    {"def f(a, *b):\n"
     "    return a.b[0](1)\n",
     "(Module (FunctionDef@1:0-2:20 f (arguments a *b) [(Return@2:4-2:20 "
     "(Call@2:11-2:20 (Subscript@2:11-2:17 (Attribute@2:11-2:14 "
     "(Name@2:11-2:12 a) b) (Constant@2:15-2:16 0)) [(Constant@2:18-2:19 "
     "1)] []))]))"},
    {"if x:\n"
     "    y = [1,\n"
     "         2]\n"
     "else:\n"
     "    pass\n",
     "(Module (If@1:0-5:8 (Name@1:3-1:4 x) [(Assign@2:4-3:11 [(Name@2:4-2:5 "
     "y Store)] (List@2:8-3:11 [(Constant@2:9-2:10 1) (Constant@3:9-3:10 "
     "2)]))] orelse=[(Pass@5:4-5:8)]))"},
    {"f'a{x!r:>{w}}b'\n",
     "(Module (Expr@1:0-1:15 (JoinedStr@1:0-1:15 [(Constant@1:2-1:3 "
     "'a') (FormattedValue@1:3-1:13 (Name@1:4-1:5 x) r (JoinedStr@1:7-1:12 "
     "[(Constant@1:8-1:9 '>') (FormattedValue@1:9-1:12 (Name@1:10-1:11 "
     "w))])) (Constant@1:13-1:14 'b')])))"},
    {"x = 'a' f'{y}'\n",
     "(Module (Assign@1:0-1:14 [(Name@1:0-1:1 x Store)] (JoinedStr@1:4-1:14 "
     "[(Constant@1:4-1:7 'a') (FormattedValue@1:10-1:13 (Name@1:11-1:12 "
     "y))])))"},
    {"for i in range(3):\n"
     "    del a[i], b.c\n",
     "(Module (For@1:0-2:17 (Name@1:4-1:5 i Store) (Call@1:9-1:17 "
     "(Name@1:9-1:14 range) [(Constant@1:15-1:16 3)] []) [(Delete@2:4-2:17 "
     "[(Subscript@2:8-2:12 (Name@2:8-2:9 a) (Name@2:10-2:11 i) "
     "Del) (Attribute@2:14-2:17 (Name@2:14-2:15 b) c Del)])]))"},
};
static const error_case errors[] = {
    {"s = 'abc", M_FILE, "SyntaxError",
     "unterminated string literal (detected at line 1)", 1, 5},
    {"s = \"\"\"abc\n"
     "\n",
     M_FILE, "SyntaxError",
     "unterminated triple-quoted string literal (detected at line "
     "2)",
     1, 5},
    {"x = (1,\n"
     "2",
     M_FILE, "SyntaxError", "'(' was never closed", 1, 5},
    {"x = )", M_FILE, "SyntaxError", "unmatched ')'", 1, 5},
    {"x = (]", M_FILE, "SyntaxError",
     "closing parenthesis ']' does not match opening parenthesis "
     "'('",
     1, 6},
    {"x = [1,\n"
     "2)",
     M_FILE, "SyntaxError",
     "closing parenthesis ')' does not match opening parenthesis "
     "'[' on line 1",
     2, 2},
    {"foo(", M_FILE, "SyntaxError", "'(' was never closed", 1, 4},
    {"x = {", M_FILE, "SyntaxError", "'{' was never closed", 1, 5},
    {"x = 0777", M_FILE, "SyntaxError",
     "leading zeros in decimal integer literals are not permitted; "
     "use an 0o prefix for octal integers",
     1, 5},
    {"x = 1_", M_FILE, "SyntaxError", "invalid decimal literal", 1, 6},
    {"x = 0x", M_FILE, "SyntaxError", "invalid hexadecimal literal", 1, 6},
    {"x = 0b2", M_FILE, "SyntaxError", "invalid digit '2' in binary literal", 1,
     7},
    {"x = 0o8", M_FILE, "SyntaxError", "invalid digit '8' in octal literal", 1,
     7},
    {"x = 1__0", M_FILE, "SyntaxError", "invalid decimal literal", 1, 6},
    {"x = 1.e", M_FILE, "SyntaxError", "invalid decimal literal", 1, 6},
    {"x = 9abc", M_FILE, "SyntaxError", "invalid decimal literal", 1, 5},
    {"x = 0xg", M_FILE, "SyntaxError", "invalid hexadecimal literal", 1, 6},
    {"x = 1€", M_FILE, "SyntaxError", "invalid character '€' (U+20AC)", 1, 6},
    {"x =   1", M_FILE, "SyntaxError", "invalid non-printable character U+00A0",
     1, 5},
    {"x = 1 \\ 2", M_FILE, "SyntaxError",
     "unexpected character after line continuation character", 1, 8},
    {"x = 1 \\", M_FILE, "SyntaxError", "unexpected EOF while parsing", 1, 8},
    {"if x:\n"
     "\tpass\n"
     "        pass",
     M_FILE, "TabError", "inconsistent use of tabs and spaces in indentation",
     3, 1},
    {"if 1:\n"
     "        x\n"
     "\ty",
     M_FILE, "TabError", "inconsistent use of tabs and spaces in indentation",
     3, 1},
    {"if x:\n"
     "  pass\n"
     " else:\n"
     "  pass",
     M_FILE, "IndentationError",
     "unindent does not match any outer indentation level", 3, 7},
    {"x = 'a' 'b", M_FILE, "SyntaxError",
     "unterminated string literal (detected at line 1)", 1, 9},
    {"x = 'a\\\n"
     "b",
     M_FILE, "SyntaxError", "unterminated string literal (detected at line 2)",
     1, 5},
    {"'\\x4'", M_FILE, "SyntaxError",
     "(unicode error) 'unicodeescape' codec can't decode bytes "
     "in position 0-2: truncated \\xXX escape",
     1, 1},
    {"u'\\u12'", M_FILE, "SyntaxError",
     "(unicode error) 'unicodeescape' codec can't decode bytes "
     "in position 0-3: truncated \\uXXXX escape",
     1, 1},
    {"'\\U0011ffff'", M_FILE, "SyntaxError",
     "(unicode error) 'unicodeescape' codec can't decode bytes "
     "in position 0-9: illegal Unicode character",
     1, 1},
    {"b'\\x4'", M_FILE, "SyntaxError",
     "(value error) invalid \\x escape at position 0", 1, 1},
    {"b'é'", M_FILE, "SyntaxError",
     "bytes can only contain ASCII literal characters", 1, 1},
    {"'a' b'b'", M_FILE, "SyntaxError",
     "cannot mix bytes and nonbytes literals", 1, 9},
    {"  x = 1", M_FILE, "IndentationError", "unexpected indent", 1, 2},
    {"if x:\n"
     "pass",
     M_FILE, "IndentationError",
     "expected an indented block after 'if' statement on line 1", 2, 1},
    {"def f():\n"
     "  x = 1\n"
     "   y = 2",
     M_FILE, "IndentationError", "unexpected indent", 3, 3},
    {"class C:\n", M_FILE, "IndentationError",
     "expected an indented block after class definition on line "
     "1",
     1, 9},
    {"def f():\n", M_FILE, "IndentationError",
     "expected an indented block after function definition on line "
     "1",
     1, 9},
    {"for x in y:\n", M_FILE, "IndentationError",
     "expected an indented block after 'for' statement on line "
     "1",
     1, 12},
    {"while x:\n", M_FILE, "IndentationError",
     "expected an indented block after 'while' statement on line "
     "1",
     1, 9},
    {"with a as b:\n", M_FILE, "IndentationError",
     "expected an indented block after 'with' statement on line "
     "1",
     1, 13},
    {"try:\n", M_FILE, "IndentationError",
     "expected an indented block after 'try' statement on line "
     "1",
     1, 5},
    {"try:\n"
     "  pass\n"
     "except:\n",
     M_FILE, "IndentationError",
     "expected an indented block after 'except' statement on line "
     "3",
     3, 8},
    {"try:\n"
     "  pass\n"
     "finally:\n",
     M_FILE, "IndentationError",
     "expected an indented block after 'finally' statement on line "
     "3",
     3, 9},
    {"if x:\n"
     "  pass\n"
     "elif y:\n",
     M_FILE, "IndentationError",
     "expected an indented block after 'elif' statement on line "
     "3",
     3, 8},
    {"if x:\n"
     "  pass\n"
     "else:\n",
     M_FILE, "IndentationError",
     "expected an indented block after 'else' statement on line "
     "3",
     3, 6},
    {"class C:\n"
     "\n"
     "\n",
     M_FILE, "IndentationError",
     "expected an indented block after class definition on line "
     "1",
     3, 1},
    {"if x:\n"
     "  pass\n"
     "  \n"
     "    y",
     M_FILE, "IndentationError", "unexpected indent", 4, 4},
    {"x = = 1", M_FILE, "SyntaxError", "invalid syntax", 1, 5},
    {"if x\n"
     "  pass",
     M_FILE, "SyntaxError", "expected ':'", 1, 5},
    {"x = 1 +", M_FILE, "SyntaxError", "invalid syntax", 1, 8},
    {"f() = 1", M_FILE, "SyntaxError",
     "cannot assign to function call here. Maybe you meant '==' "
     "instead of '='\?",
     1, 1},
    {"1 = x", M_FILE, "SyntaxError",
     "cannot assign to literal here. Maybe you meant '==' instead "
     "of '='\?",
     1, 1},
    {"f() += 1", M_FILE, "SyntaxError",
     "'function call' is an illegal expression for augmented assignment", 1, 1},
    {"del f()", M_FILE, "SyntaxError", "cannot delete function call", 1, 5},
    {"for f() in x: pass", M_FILE, "SyntaxError",
     "cannot assign to function call", 1, 5},
    {"a + 1 = 2", M_FILE, "SyntaxError",
     "cannot assign to expression here. Maybe you meant '==' instead "
     "of '='\?",
     1, 1},
    {"print 'hello'", M_FILE, "SyntaxError",
     "Missing parentheses in call to 'print'. Did you mean print(...)\?", 1, 1},
    {"exec 'x'", M_FILE, "SyntaxError",
     "Missing parentheses in call to 'exec'. Did you mean exec(...)\?", 1, 1},
    {"print(1 2)", M_FILE, "SyntaxError",
     "invalid syntax. Perhaps you forgot a comma\?", 1, 7},
    {"[1 2]", M_FILE, "SyntaxError",
     "invalid syntax. Perhaps you forgot a comma\?", 1, 2},
    {"x = 1 if y", M_FILE, "SyntaxError",
     "expected 'else' after 'if' expression", 1, 5},
    {"if x = 1: pass", M_FILE, "SyntaxError",
     "invalid syntax. Maybe you meant '==' or ':=' instead of '='\?", 1, 4},
    {"f(a.b=1)", M_FILE, "SyntaxError",
     "expression cannot contain assignment, perhaps you meant \"==\"\?", 1, 3},
    {"f(a=1, b)", M_FILE, "SyntaxError",
     "positional argument follows keyword argument", 1, 9},
    {"f(**a, *b)", M_FILE, "SyntaxError",
     "iterable argument unpacking follows keyword argument unpacking", 1, 8},
    {"f(**a, b)", M_FILE, "SyntaxError",
     "positional argument follows keyword argument unpacking", 1, 9},
    {"f(x for x in y, 1)", M_FILE, "SyntaxError",
     "Generator expression must be parenthesized", 1, 3},
    {"def f(a=1, b): pass", M_FILE, "SyntaxError",
     "parameter without a default follows parameter with a default", 1, 12},
    {"a, b += 1", M_FILE, "SyntaxError",
     "'tuple' is an illegal expression for augmented assignment", 1, 1},
    {"del a + b", M_FILE, "SyntaxError", "cannot delete expression", 1, 5},
    {"x := 1", M_FILE, "SyntaxError", "invalid syntax", 1, 3},
    {"(x.y := 1)", M_FILE, "SyntaxError",
     "cannot use assignment expressions with attribute", 1, 2},
    {"[x for x in y] = 1", M_FILE, "SyntaxError",
     "cannot assign to list comprehension here. Maybe you meant "
     "'==' instead of '='\?",
     1, 1},
    {"a if b else c = 1", M_FILE, "SyntaxError",
     "cannot assign to conditional expression", 1, 1},
    {"None = 1", M_FILE, "SyntaxError", "cannot assign to None", 1, 1},
    {"True = 1", M_FILE, "SyntaxError", "cannot assign to True", 1, 1},
    {"f(True=1)", M_FILE, "SyntaxError", "cannot assign to True", 1, 3},
    {"try:\n"
     "  pass\n",
     M_FILE, "SyntaxError", "expected 'except' or 'finally' block", 2, 7},
    {"try:\n"
     "  pass\n"
     "except:\n"
     "  pass\n"
     "except E:\n"
     "  pass",
     M_FILE, "SyntaxError", "default 'except:' must be last", 3, 1},
    {"from a import b,", M_FILE, "SyntaxError",
     "trailing comma not allowed without surrounding parentheses", 1, 17},
    {"x = {1: 2, 3}", M_FILE, "SyntaxError",
     "':' expected after dictionary key", 1, 12},
    {"def f(*): pass", M_FILE, "SyntaxError",
     "named arguments must follow bare *", 1, 7},
    {"def f(*a, *b): pass", M_FILE, "SyntaxError",
     "* argument may appear only once", 1, 11},
    {"def f(**k, a): pass", M_FILE, "SyntaxError",
     "arguments cannot follow var-keyword argument", 1, 12},
    {"def f(/, a): pass", M_FILE, "SyntaxError",
     "at least one argument must precede /", 1, 7},
    {"try:\n"
     " pass\n"
     "except E, F:\n"
     " pass",
     M_FILE, "SyntaxError", "multiple exception types must be parenthesized", 3,
     8},
    {"x = [*a for a in b]", M_FILE, "SyntaxError",
     "iterable unpacking cannot be used in comprehension", 1, 6},
    {"(*a)", M_FILE, "SyntaxError", "cannot use starred expression here", 1, 2},
    {"x, y: int", M_FILE, "SyntaxError",
     "only single target (not tuple) can be annotated", 1, 1},
    {"f(): int", M_FILE, "SyntaxError", "illegal target for annotation", 1, 1},
    {"x = yield = 1", M_FILE, "SyntaxError",
     "assignment to yield expression not possible", 1, 5},
    {"try x:\n"
     "  pass",
     M_FILE, "SyntaxError", "expected ':'", 1, 5},
    {"def f x:\n"
     " pass",
     M_FILE, "SyntaxError", "expected '('", 1, 7},
    {"else: pass", M_FILE, "SyntaxError", "invalid syntax", 1, 1},
    {"x = f() = 1", M_FILE, "SyntaxError", "cannot assign to function call", 1,
     5},
    {"x = 1 = 2", M_FILE, "SyntaxError", "cannot assign to literal", 1, 5},
    {"x = = 1\n"
     "s = \"abc",
     M_FILE, "SyntaxError", "unterminated string literal (detected at line 2)",
     2, 5},
    {"x = = 1\n"
     "y = (",
     M_FILE, "SyntaxError", "invalid syntax", 1, 5},
    {"if x:\n"
     "  y = (1,\n",
     M_FILE, "SyntaxError", "'(' was never closed", 2, 7},
    {"f(x)\n"
     "  y",
     M_FILE, "IndentationError", "unexpected indent", 2, 2},
    {"def f(:\n"
     "  pass",
     M_FILE, "SyntaxError", "invalid syntax", 1, 7},
    {"a[]", M_FILE, "SyntaxError", "invalid syntax", 1, 3},
    {"f'{'", M_FILE, "SyntaxError", "f-string: expecting '}'", 1, 4},
    {"f'}'", M_FILE, "SyntaxError", "f-string: single '}' is not allowed", 1,
     3},
    {"f'{}'", M_FILE, "SyntaxError",
     "f-string: valid expression required before '}'", 1, 4},
    {"f'{x!z}'", M_FILE, "SyntaxError",
     "f-string: invalid conversion character 'z': expected 's', "
     "'r', or 'a'",
     1, 6},
    {"f'{x'", M_FILE, "SyntaxError", "f-string: expecting '}'", 1, 5},
    {"f'{x!r'", M_FILE, "SyntaxError", "f-string: expecting '}'", 1, 6},
    {"f'{x:'", M_FILE, "SyntaxError",
     "f-string: expecting '}', or format specs", 1, 6},
    {"f'{!r}'", M_FILE, "SyntaxError",
     "f-string: valid expression required before '!'", 1, 4},
    {"f'{a=b}'", M_FILE, "SyntaxError",
     "f-string: expecting '!', or ':', or '}'", 1, 6},
    {"f'{x!}'", M_FILE, "SyntaxError", "f-string: missing conversion character",
     1, 6},
    {"f'{x!r x}'", M_FILE, "SyntaxError", "f-string: expecting ':' or '}'", 1,
     8},
    {"f'{x)}'", M_FILE, "SyntaxError", "f-string: unmatched ')'", 1, 5},
    {"f'{(x}'", M_FILE, "SyntaxError",
     "closing parenthesis '}' does not match opening parenthesis "
     "'('",
     1, 6},
    {"f'{x:{y:{z:{w}}}}'", M_FILE, "SyntaxError",
     "f-string: expressions nested too deeply", 1, 11},
    {"f'{lambda x: 1}'", M_FILE, "SyntaxError",
     "f-string: lambda expressions are not allowed without parentheses", 1, 4},
    {"f'{x #}'", M_FILE, "SyntaxError", "'{' was never closed", 1, 3},
    {"f'{ }'", M_FILE, "SyntaxError",
     "f-string: valid expression required before '}'", 1, 5},
    {"return 1", M_FILE, "SyntaxError", "'return' outside function", 1, 1},
    {"break", M_FILE, "SyntaxError", "'break' outside loop", 1, 1},
    {"continue", M_FILE, "SyntaxError", "'continue' not properly in loop", 1,
     1},
    {"yield x", M_FILE, "SyntaxError", "'yield' outside function", 1, 1},
    {"def f(a, a): pass", M_FILE, "SyntaxError",
     "duplicate argument 'a' in function definition", 1, 10},
    {"f(a=1, a=2)", M_FILE, "SyntaxError", "keyword argument repeated: a", 1,
     8},
    {"nonlocal x", M_FILE, "SyntaxError",
     "nonlocal declaration not allowed at module level", 1, 1},
    {"*a", M_FILE, "SyntaxError", "can't use starred expression here", 1, 1},
    {"x = *a", M_FILE, "SyntaxError", "can't use starred expression here", 1,
     5},
    {"*a, *b = c", M_FILE, "SyntaxError",
     "multiple starred expressions in assignment", 1, 1},
    {"*a = b", M_FILE, "SyntaxError",
     "starred assignment target must be in a list or tuple", 1, 1},
    {"del *a", M_FILE, "SyntaxError", "cannot delete starred", 1, 5},
    {"while 1:\n"
     "    pass\n"
     "else:\n"
     "    break\n",
     M_FILE, "SyntaxError", "'break' outside loop", 4, 5},
    {"class C:\n"
     "    return 1\n",
     M_FILE, "SyntaxError", "'return' outside function", 2, 5},
    {"for x in y:\n"
     "    def f():\n"
     "        break\n",
     M_FILE, "SyntaxError", "'break' outside loop", 3, 9},
    {"__debug__ = 1", M_FILE, "SyntaxError", "cannot assign to __debug__", 1,
     1},
    {"f'{*a}'", M_FILE, "SyntaxError", "can't use starred expression here", 1,
     4},
    {"break\n"
     "def f(a, a): pass",
     M_FILE, "SyntaxError", "duplicate argument 'a' in function definition", 2,
     10},
    {"x = 1\n"
     "y = 2\n",
     M_SINGLE, "SyntaxError",
     "multiple statements found while compiling a single statement", 1, 6},
    {"if x:\n"
     "    pass\n"
     "y\n",
     M_SINGLE, "SyntaxError", "invalid syntax", 3, 1},
    {"*a, b", M_EVAL, "SyntaxError", "invalid syntax", 1, 1},
    {"x = 1", M_EVAL, "SyntaxError", "invalid syntax", 1, 3},
};
static const format_case formats[] = {
    {"f() = 1\n", "  File \"<t>\", line 1\n"
                  "    f() = 1\n"
                  "    ^^^\n"
                  "SyntaxError: cannot assign to function call here. Maybe you "
                  "meant '==' instead of '='\?\n"},
    {"x = (1,\n"
     "2\n",
     "  File \"<t>\", line 1\n"
     "    x = (1,\n"
     "        ^\n"
     "SyntaxError: '(' was never closed\n"},
    {"if x:\n"
     "  pass\n"
     " else:\n"
     "  pass\n",
     "  File \"<t>\", line 3\n"
     "    else:\n"
     "         ^\n"
     "IndentationError: unindent does not match any outer indentation "
     "level\n"},
    {"  x = 1\n", "  File \"<t>\", line 1\n"
                  "    x = 1\n"
                  "IndentationError: unexpected indent\n"},
    {"print 'hello'\n",
     "  File \"<t>\", line 1\n"
     "    print 'hello'\n"
     "    ^^^^^^^^^^^^^\n"
     "SyntaxError: Missing parentheses in call to 'print'. Did "
     "you mean print(...)\?\n"},
    {"x = 1€\n", "  File \"<t>\", line 1\n"
                 "    x = 1€\n"
                 "         ^\n"
                 "SyntaxError: invalid character '€' (U+20AC)\n"},
    {"def f():\n"
     "\tx\n"
     "        y\n",
     "  File \"<t>\", line 3\n"
     "    y\n"
     "TabError: inconsistent use of tabs and spaces in indentation\n"},
    {"f(a for a in b, c)\n",
     "  File \"<t>\", line 1\n"
     "    f(a for a in b, c)\n"
     "      ^^^^^^^^^^^^\n"
     "SyntaxError: Generator expression must be parenthesized\n"},
    {"x = 1 +\n", "  File \"<t>\", line 1\n"
                  "    x = 1 +\n"
                  "           ^\n"
                  "SyntaxError: invalid syntax\n"},
    {"s = \"abc\n",
     "  File \"<t>\", line 1\n"
     "    s = \"abc\n"
     "        ^\n"
     "SyntaxError: unterminated string literal (detected at line "
     "1)\n"},
    {"if x:\n"
     "    y = = 1\n",
     "  File \"<t>\", line 2\n"
     "    y = = 1\n"
     "        ^\n"
     "SyntaxError: invalid syntax\n"},
    {"def f():\n"
     "    return\n"
     "return 1\n",
     "  File \"<t>\", line 3\n"
     "SyntaxError: 'return' outside function\n"},
    {"x = [1,\n"
     "  2 3]\n",
     "  File \"<t>\", line 2\n"
     "    2 3]\n"
     "    ^^^\n"
     "SyntaxError: invalid syntax. Perhaps you forgot a comma\?\n"},
    {"class C:\n", "  File \"<t>\", line 1\n"
                   "    class C:\n"
                   "            ^\n"
                   "IndentationError: expected an indented block after class "
                   "definition on line 1\n"},
    {"x = '''\n"
     "abc\n",
     "  File \"<t>\", line 1\n"
     "    x = '''\n"
     "        ^\n"
     "SyntaxError: unterminated triple-quoted string literal (detected "
     "at line 2)\n"},
};

/* ---- trees -----------------------------------------------------------------
 */

/* Every code slide of the talk (seed/000_b075bc442b9bb009.txt). */
START_TEST(test_talk_slides)
{
    check_dumps(slides, N(slides), M_FILE, 0);
}
END_TEST

START_TEST(test_precedence)
{
    check_dumps(precedence, N(precedence), M_EVAL, 0);
}
END_TEST

START_TEST(test_statements)
{
    check_dumps(statements, N(statements), M_FILE, 0);
}
END_TEST

START_TEST(test_expressions)
{
    check_dumps(expressions, N(expressions), M_EVAL, 0);
}
END_TEST

START_TEST(test_literals)
{
    check_dumps(literals, N(literals), M_EVAL, 0);
}
END_TEST

START_TEST(test_fstrings)
{
    check_dumps(fstrings, N(fstrings), M_EVAL, 0);
}
END_TEST

/* "single" mode: expression statements outside def and class echo. */
START_TEST(test_interactive)
{
    check_dumps(interactive, N(interactive), M_SINGLE, 0);
}
END_TEST

/* Lines and columns, start and end, as CPython's ast has them (columns in
 * UTF-8 bytes). */
START_TEST(test_positions)
{
    check_dumps(positions, N(positions), M_FILE,
                PY_DUMP_POSITIONS | PY_DUMP_ENDS);
    py_ast *ast;
    ck_assert_int_eq(py_parse_file("s = 'é'; t = 1\n", 16, NULL, &ast, NULL),
                     0);
    const py_node *t = py_ast_root(ast)->u.mod.body.items[1];
    ck_assert_int_eq(t->lineno, 1);
    ck_assert_int_eq(t->col, 10); /* 'é' is two bytes */
    ck_assert_int_eq(t->end_col, 15);
    const py_node *s = py_ast_root(ast)->u.mod.body.items[0];
    ck_assert_int_eq(s->end_lineno, 1);
    ck_assert_int_eq(s->end_col, 8);
    py_ast_free(ast);
}
END_TEST

/* What the compiler reads out of constants. */
START_TEST(test_constant_values)
{
    static const struct {
        const char *src;
        py_const_kind kind;
        const char *text;
        uint64_t ival;
        bool big;
    } ints[] = {
        {"300", PY_CONST_INT, "300", 300, false},
        {"0x_FF", PY_CONST_INT, "0xFF", 255, false},
        {"0o17", PY_CONST_INT, "0o17", 15, false},
        {"0b1_01", PY_CONST_INT, "0b101", 5, false},
        {"1_000", PY_CONST_INT, "1000", 1000, false},
        {"9223372036854775808", PY_CONST_INT, "9223372036854775808",
         UINT64_C(9223372036854775808), false},
        {"18446744073709551615", PY_CONST_INT, "18446744073709551615",
         UINT64_MAX, false},
        {"18446744073709551616", PY_CONST_INT, "18446744073709551616", 0, true},
        {"0x10000000000000000", PY_CONST_INT, "0x10000000000000000", 0, true},
    };
    for (size_t i = 0; i < N(ints); i++) {
        py_ast *ast;
        ck_assert_int_eq(py_parse_expression(ints[i].src, strlen(ints[i].src),
                                             NULL, &ast, NULL),
                         0);
        const py_node *c = py_ast_root(ast)->u.expression.body;
        ck_assert_int_eq(c->kind, PY_CONSTANT);
        ck_assert_int_eq(c->u.constant.kind, ints[i].kind);
        ck_assert_str_eq(c->u.constant.s, ints[i].text);
        ck_assert_uint_eq(c->u.constant.len, strlen(ints[i].text));
        ck_assert(c->u.constant.big == ints[i].big);
        if (!ints[i].big)
            ck_assert_uint_eq(c->u.constant.ival, ints[i].ival);
        py_ast_free(ast);
    }

    static const struct {
        const char *src;
        py_const_kind kind;
        double value;
    } floats[] = {
        {"1.5", PY_CONST_FLOAT, 1.5},       {"1e10", PY_CONST_FLOAT, 1e10},
        {".5", PY_CONST_FLOAT, 0.5},        {"5.", PY_CONST_FLOAT, 5.0},
        {"1_0.2_5", PY_CONST_FLOAT, 10.25}, {"2j", PY_CONST_IMAG, 2.0},
        {"1.5J", PY_CONST_IMAG, 1.5},       {"0.1", PY_CONST_FLOAT, 0.1},
    };
    for (size_t i = 0; i < N(floats); i++) {
        py_ast *ast;
        ck_assert_int_eq(py_parse_expression(floats[i].src,
                                             strlen(floats[i].src), NULL, &ast,
                                             NULL),
                         0);
        const py_node *c = py_ast_root(ast)->u.expression.body;
        ck_assert_int_eq(c->u.constant.kind, floats[i].kind);
        ck_assert(c->u.constant.fval == floats[i].value);
        py_ast_free(ast);
    }

    py_ast *ast;
    ck_assert_int_eq(py_parse_expression("1e309", 5, NULL, &ast, NULL), 0);
    ck_assert(isinf(py_ast_root(ast)->u.expression.body->u.constant.fval));
    py_ast_free(ast);

    /* Strings keep NULs and are NUL-terminated; bytes are bytes. */
    const char *src = "'a\\0b' 'é'";
    ck_assert_int_eq(py_parse_expression(src, strlen(src), NULL, &ast, NULL),
                     0);
    const py_node *c = py_ast_root(ast)->u.expression.body;
    ck_assert_int_eq(c->u.constant.kind, PY_CONST_STR);
    ck_assert_uint_eq(c->u.constant.len, 5);
    ck_assert(memcmp(c->u.constant.s, "a\0b\xc3\xa9", 6) == 0);
    py_ast_free(ast);
    src = "b'\\xff\\x00'";
    ck_assert_int_eq(py_parse_expression(src, strlen(src), NULL, &ast, NULL),
                     0);
    c = py_ast_root(ast)->u.expression.body;
    ck_assert_int_eq(c->u.constant.kind, PY_CONST_BYTES);
    ck_assert_uint_eq(c->u.constant.len, 2);
    ck_assert(memcmp(c->u.constant.s, "\xff\0", 3) == 0);
    py_ast_free(ast);
    src = "'\\ud800'"; /* a lone surrogate: its 3-byte form */
    ck_assert_int_eq(py_parse_expression(src, strlen(src), NULL, &ast, NULL),
                     0);
    c = py_ast_root(ast)->u.expression.body;
    ck_assert_uint_eq(c->u.constant.len, 3);
    ck_assert(memcmp(c->u.constant.s, "\xed\xa0\x80", 3) == 0);
    py_ast_free(ast);
}
END_TEST

/* ---- the REPL
 * ------------------------------------------------------------------ */

START_TEST(test_input_status)
{
    static const struct {
        const char *src;
        py_input want;
    } cases[] = {
        {"x = 1\n", PY_INPUT_COMPLETE},
        {"1\n", PY_INPUT_COMPLETE},
        {"x = 1; y = 2\n", PY_INPUT_COMPLETE},
        {"print('a')\n", PY_INPUT_COMPLETE},
        {"if x:\n", PY_INPUT_INCOMPLETE},
        {"if x:\n    y\n", PY_INPUT_INCOMPLETE},
        {"if x:\n    y\n\n", PY_INPUT_COMPLETE},
        /* a line of spaces or a comment does not end the block */
        {"if x:\n    y\n    \n", PY_INPUT_INCOMPLETE},
        {"if x:\n    y\n  # c\n", PY_INPUT_INCOMPLETE},
        /* a one-line compound statement still wants its empty line */
        {"if x: pass\n", PY_INPUT_INCOMPLETE},
        {"if x: pass\n\n", PY_INPUT_COMPLETE},
        {"if x:\n    y\nelse:\n", PY_INPUT_INCOMPLETE},
        {"if x:\n    y\nelse:\n    z\n\n", PY_INPUT_COMPLETE},
        {"for i in range(3):\n    i\n\n", PY_INPUT_COMPLETE},
        {"def ref_cycle():\n    list = [1, 2, 3, 4]\n", PY_INPUT_INCOMPLETE},
        {"class C:\n    def f(self):\n        pass\n\n", PY_INPUT_COMPLETE},
        {"@dec\n", PY_INPUT_INCOMPLETE},
        {"try:\n    x\nexcept E:\n    y\n", PY_INPUT_INCOMPLETE},
        /* open brackets, strings, continuations */
        {"x = (1,\n", PY_INPUT_INCOMPLETE},
        {"x = (1,\n\n", PY_INPUT_INCOMPLETE},
        {"x = (1,\n2)\n", PY_INPUT_COMPLETE},
        {"d = {'a': [\n", PY_INPUT_INCOMPLETE},
        {"s = '''a\n", PY_INPUT_INCOMPLETE},
        {"s = '''a\n'''\n", PY_INPUT_COMPLETE},
        {"s = 'a\\\n", PY_INPUT_INCOMPLETE},
        {"x = 1 + \\\n", PY_INPUT_INCOMPLETE},
        {"x = 1 + \\\n  2\n", PY_INPUT_COMPLETE},
        {"f'{x\n", PY_INPUT_INCOMPLETE},
        {"f'{x\n}'\n", PY_INPUT_COMPLETE},
        /* nothing to run */
        {"\n", PY_INPUT_EMPTY},
        {"   \n", PY_INPUT_EMPTY},
        {"# comment\n", PY_INPUT_EMPTY},
        {"", PY_INPUT_EMPTY},
        /* errors are reported at once */
        {"x = 1 +\n", PY_INPUT_ERROR},
        {"if x\n", PY_INPUT_ERROR},
        {"  x\n", PY_INPUT_ERROR},
        {"if x:\n\n", PY_INPUT_ERROR},
        {"if x:\n    y = = 1\n", PY_INPUT_ERROR},
        {"if x:\n    pass\ny = 1\n", PY_INPUT_ERROR},
        {"return 1\n", PY_INPUT_ERROR},
        {"s = 'abc\n", PY_INPUT_ERROR},
        {"x = )\n", PY_INPUT_ERROR},
    };
    for (size_t i = 0; i < N(cases); i++) {
        py_error err;
        py_input got = status_of(cases[i].src, &err);
        ck_assert_msg(got == cases[i].want, "%s\n got %d, want %d (%s)",
                      cases[i].src, got, cases[i].want, err.msg);
        if (got == PY_INPUT_ERROR)
            ck_assert(err.kind != PY_ERR_NONE && err.msg[0] != '\0');
        else
            ck_assert_int_eq(err.kind, PY_ERR_NONE);
    }

    py_error err;
    ck_assert_int_eq(status_of("if x:\n\n", &err), PY_INPUT_ERROR);
    ck_assert_str_eq(err.type, "IndentationError");
    ck_assert_str_eq(
        err.msg, "expected an indented block after 'if' statement on line 1");
    ck_assert_int_eq(err.lineno, 2);
    ck_assert_str_eq(err.filename, "<stdin>");
    ck_assert_int_eq(status_of("x = 1 +\n", &err), PY_INPUT_ERROR);
    ck_assert_str_eq(err.msg, "invalid syntax");
    ck_assert_int_eq(err.offset, 8);
    ck_assert_int_eq(py_input_status("x = (\n", 6, NULL, NULL),
                     PY_INPUT_INCOMPLETE);
}
END_TEST

/* A session fed line by line as `python3 -i` reads it: the same prompts. */
START_TEST(test_repl_session)
{
    const char *session =
        "def ref_cycle():\n    list = [1, 2, 3, 4]\n    list.append(list)\n"
        "    return list\n\nx = [1,\n 2]\ns = '''a\nb'''\nif x:\n    y = 1\n"
        "else:\n    y = 2\n\n# comment\n\n   \ny\nfor i in range(2):\n    i\n"
        "    \n\nz = 1 + \\\n  2\nf'{z\n}'\n";
    /* CPython 3.12.1's prompts for it, stdout aside */
    const char *want = ">>> ... ... ... ... >>> ... >>> ... >>> ... ... ... "
                       "... >>> >>> >>> >>> >>> ... ... ... >>> ... >>> ... "
                       ">>> ";
    char prompts[512] = "", buf[512] = "";
    char dumps[2048] = "";
    size_t len = 0;
    for (const char *line = session; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = (size_t)(nl - line) + 1;
        strcat(prompts, len == 0 ? ">>> " : "... ");
        memcpy(buf + len, line, n);
        len += n;
        buf[len] = '\0';
        line += n;
        py_error err;
        py_input st = py_input_status(buf, len, "<stdin>", &err);
        ck_assert_msg(st != PY_INPUT_ERROR, "%s: %s", buf, err.msg);
        if (st == PY_INPUT_COMPLETE) {
            py_ast *ast;
            ck_assert_int_eq(
                py_parse_interactive(buf, len, "<stdin>", &ast, &err), 0);
            char *d = py_ast_dump(py_ast_root(ast), 0);
            strcat(dumps, d);
            strcat(dumps, "\n");
            free(d);
            py_ast_free(ast);
        }
        if (st != PY_INPUT_INCOMPLETE)
            len = 0;
    }
    strcat(prompts, ">>> ");
    ck_assert_str_eq(prompts, want);
    ck_assert_str_eq(
        dumps,
        "(Interactive (FunctionDef ref_cycle (arguments) [(Assign [(Name list "
        "Store)] (List [(Constant 1) (Constant 2) (Constant 3) (Constant 4)])) "
        "(Expr (Call (Attribute (Name list) append) [(Name list)] [])) "
        "(Return (Name list))]))\n"
        "(Interactive (Assign [(Name x Store)] (List [(Constant 1) (Constant "
        "2)])))\n"
        "(Interactive (Assign [(Name s Store)] (Constant 'a\\nb')))\n"
        "(Interactive (If (Name x) [(Assign [(Name y Store)] (Constant 1))] "
        "orelse=[(Assign [(Name y Store)] (Constant 2))]))\n"
        "(Interactive (Expr (Name y) echo))\n"
        "(Interactive (For (Name i Store) (Call (Name range) [(Constant 2)] "
        "[]) [(Expr (Name i) echo)]))\n"
        "(Interactive (Assign [(Name z Store)] (BinOp (Constant 1) Add "
        "(Constant 2))))\n"
        "(Interactive (Expr (JoinedStr [(FormattedValue (Name z))]) echo))\n");
}
END_TEST

/* ---- errors
 * ------------------------------------------------------------------- */

START_TEST(test_errors)
{
    check_errors(errors, N(errors));
}
END_TEST

START_TEST(test_error_kinds)
{
    py_ast *ast;
    py_error err;
    const char *src = "if x:\npass\n";
    ck_assert_int_eq(py_parse_file(src, strlen(src), "f.py", &ast, &err), -1);
    ck_assert_int_eq(err.kind, PY_ERR_INDENTATION);
    ck_assert_str_eq(err.filename, "f.py");
    ck_assert_str_eq(err.text, "pass");
    ck_assert(!err.late);
    src = "if 1:\n\tx\n        y\n";
    ck_assert_int_eq(py_parse_file(src, strlen(src), NULL, &ast, &err), -1);
    ck_assert_int_eq(err.kind, PY_ERR_TAB);
    ck_assert_str_eq(err.type, "TabError");
    ck_assert_str_eq(err.filename, "<string>");
    src = "def f():\n  return\nbreak\n";
    ck_assert_int_eq(py_parse_file(src, strlen(src), NULL, &ast, &err), -1);
    ck_assert_int_eq(err.kind, PY_ERR_SYNTAX);
    ck_assert(err.late);
    ck_assert_int_eq(err.lineno, 3);
    ck_assert_int_eq(err.end_offset, 6);
}
END_TEST

START_TEST(test_error_format)
{
    for (size_t i = 0; i < N(formats); i++) {
        py_ast *ast;
        py_error err;
        ck_assert_int_eq(py_parse_file(formats[i].src, strlen(formats[i].src),
                                       "<t>", &ast, &err),
                         -1);
        char out[1024];
        size_t n = py_error_format(&err, out, sizeof(out));
        ck_assert_uint_eq(n, strlen(out));
        ck_assert_msg(strcmp(out, formats[i].out) == 0, "%s\n got\n%s want\n%s",
                      formats[i].src, out, formats[i].out);
        /* truncation: like snprintf */
        char small[12];
        ck_assert_uint_eq(py_error_format(&err, small, sizeof(small)), n);
        ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
        ck_assert(strncmp(small, out, sizeof(small) - 1) == 0);
        ck_assert_uint_eq(py_error_format(&err, NULL, 0), n);
    }
    py_error err = {.kind = PY_ERR_RECURSION,
                    .type = "RecursionError",
                    .msg =
                        "maximum recursion depth exceeded during compilation"};
    char out[128];
    py_error_format(&err, out, sizeof(out));
    ck_assert_str_eq(out, "RecursionError: maximum recursion depth exceeded "
                          "during compilation\n");
}
END_TEST

/* ---- limits
 * --------------------------------------------------------------------- */

START_TEST(test_nesting_limits)
{
    /* 200 brackets are fine, the 201st is CPython's tokenizer error */
    char *open = repeat("(", 200), *close = repeat(")", 200);
    char *src = malloc(410);
    sprintf(src, "%s%s", open, close);
    free(dump_of(M_FILE, src, 0));
    sprintf(src, "(%s%s)", open, close);
    check_error(M_FILE, src, strlen(src), "SyntaxError",
                "too many nested parentheses", 1, 201);
    free(src);
    free(open);
    free(close);

    /* Deep expressions fail as CPython's compiler does, never crash. */
    static const struct {
        const char *head, *unit, *tail;
        size_t n;
    } deep[] = {
        {"", "-", "1", 2000},
        {"", "not ", "x", 2000},
        {"", "1+", "1", 100000},
        {"", "x.", "a", 5000},
        {"f", "()", "", 5000},
        {"", "lambda:", "1", 2000},
        {"x", "[0]", "", 3000},
        {"", "a**", "b", 2000},
        {"", "1 if 1 else ", "1", 2000},
    };
    for (size_t i = 0; i < N(deep); i++) {
        char *r = repeat(deep[i].unit, deep[i].n);
        char *s = malloc(strlen(r) + 8);
        sprintf(s, "%s%s%s", deep[i].head, r, deep[i].tail);
        py_ast *ast;
        py_error err;
        ck_assert_int_eq(py_parse_file(s, strlen(s), NULL, &ast, &err), -1);
        ck_assert_msg(err.kind == PY_ERR_RECURSION, "%s...: %s", deep[i].unit,
                      err.msg);
        ck_assert_str_eq(err.msg,
                         "maximum recursion depth exceeded during compilation");
        free(r);
        free(s);
    }
    char *r = repeat("-", 400);
    char *s = malloc(402);
    sprintf(s, "%s1", r);
    free(dump_of(M_FILE, s, 0));
    free(s);
    free(r);

    /* elif chains nest in the tree; a long one hits PY_MAX_DEPTH */
    r = repeat("elif x: pass\n", 1200);
    s = malloc(strlen(r) + 16);
    sprintf(s, "if x: pass\n%s", r);
    py_error err;
    ck_assert_int_eq(py_parse_file(s, strlen(s), NULL, NULL, &err), -1);
    ck_assert_int_eq(err.kind, PY_ERR_RECURSION);
    free(s);
    free(r);

    /* 99 indented blocks are fine, the 100th is too many */
    for (int levels = 99; levels <= 100; levels++) {
        char *src2 = malloc(20000), *p = src2;
        for (int i = 0; i < levels; i++)
            p += sprintf(p, "%*sif x:\n", i, "");
        sprintf(p, "%*spass\n", levels, "");
        if (levels == 99)
            free(dump_of(M_FILE, src2, 0));
        else
            check_error(M_FILE, src2, strlen(src2), "IndentationError",
                        "too many levels of indentation", 101, 1);
        free(src2);
    }

    /* f-strings nest 149 deep, as in CPython */
    for (int depth = 149; depth <= 150; depth++) {
        char *f = malloc(1000), *g = malloc(1000);
        strcpy(f, "1");
        for (int i = 0; i < depth; i++) {
            sprintf(g, "f'{%s}'", f);
            strcpy(f, g);
        }
        py_ast *ast;
        py_error e2;
        int rc = py_parse_expression(f, strlen(f), NULL, &ast, &e2);
        if (depth == 149) {
            ck_assert_int_eq(rc, 0);
            py_ast_free(ast);
        } else {
            ck_assert_int_eq(rc, -1);
            ck_assert_str_eq(e2.msg, "too many nested f-strings");
        }
        free(f);
        free(g);
    }
}
END_TEST

START_TEST(test_size_limits)
{
    /* CPython's int_max_str_digits applies to decimal literals only */
    char *d = repeat("1", 5000);
    char *s = malloc(5010);
    sprintf(s, "x = %s", d);
    check_error(M_FILE, s, strlen(s), "SyntaxError",
                "Exceeds the limit (4300 digits) for integer string "
                "conversion: value has 5000 digits; use "
                "sys.set_int_max_str_digits() to increase the limit - "
                "Consider hexadecimal for huge integer literals to avoid "
                "decimal conversion limits.",
                1, 0);
    sprintf(s, "x = 0x%s", d);
    py_ast *ast;
    ck_assert_int_eq(py_parse_file(s, strlen(s), NULL, &ast, NULL), 0);
    const py_node *c = py_ast_root(ast)->u.mod.body.items[0]->u.assign.value;
    ck_assert(c->u.constant.big);
    ck_assert_uint_eq(c->u.constant.len, 5002);
    py_ast_free(ast);
    free(s);
    free(d);

    /* long flat constructs are not deep */
    d = repeat("1, ", 100000);
    s = malloc(strlen(d) + 8);
    sprintf(s, "x = [%s]", d);
    ck_assert_int_eq(py_parse_file(s, strlen(s), NULL, &ast, NULL), 0);
    c = py_ast_root(ast)->u.mod.body.items[0]->u.assign.value;
    ck_assert_uint_eq(c->u.list.elts.n, 100000);
    py_ast_free(ast);
    free(s);
    free(d);

    d = repeat("x = 'a' 'b' f'{y!r:>{w}}'\n", 20000);
    ck_assert_int_eq(py_parse_file(d, strlen(d), NULL, &ast, NULL), 0);
    ck_assert_uint_eq(py_ast_root(ast)->u.mod.body.n, 20000);
    py_ast_free(ast);
    free(d);
}
END_TEST

/* Garbage in, an error out: never a crash, never an empty message. */
START_TEST(test_garbage)
{
    static const char *const pieces[] = {
        "(",       ")",    "[",    "]",       "{",      "}",      ":",
        ",",       "=",    "==",   "*",       "**",     "f'",     "'",
        "\"",      "\n",   "    ", "\t",      "\\",     "#",      "if ",
        "else ",   "for ", " in ", "lambda ", "not ",   "x",      "1",
        ".",       "!",    "{x}",  "f'{",     "'''",    "yield ", "del ",
        "return ", ":=",   "@",    "->",      "0x",     "1e",     "_",
        "é",       "\r",   "\f",   "def ",    "class ", "try:",   "except",
        "!r",      ":>",   "rb'",  "\xff",    "\xc3",   "\0",     "$",
        "?",       "`",    ";",    "async ",  "await ",
    };
    uint32_t seed = 12345;
    char src[256];
    for (int i = 0; i < 6000; i++) {
        size_t len = 0;
        seed = seed * 1103515245u + 12345u;
        int k = (int)((seed >> 16) % 24);
        for (int j = 0; j < k; j++) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % N(pieces)];
            size_t pl = p[0] ? strlen(p) : 1; /* "\0" is one NUL byte */
            memcpy(src + len, p, pl);
            len += pl;
        }
        for (int mode = M_FILE; mode <= M_EVAL; mode++) {
            py_ast *ast = NULL;
            py_error err;
            if (parse_mode(mode, src, len, &ast, &err) == 0) {
                char *d = py_ast_dump(py_ast_root(ast), PY_DUMP_POSITIONS);
                ck_assert_ptr_nonnull(d);
                free(d);
                py_ast_free(ast);
            } else {
                ck_assert_ptr_null(ast);
                ck_assert(err.kind != PY_ERR_NONE);
                ck_assert(err.msg[0] != '\0');
                ck_assert(err.lineno >= 0 && err.offset >= 0);
                char out[64];
                py_error_format(&err, out, sizeof(out));
            }
        }
        py_error err;
        py_input st = py_input_status(src, len, NULL, &err);
        ck_assert(st == PY_INPUT_EMPTY || st == PY_INPUT_INCOMPLETE ||
                  st == PY_INPUT_COMPLETE || st == PY_INPUT_ERROR);
    }
}
END_TEST

/* ---- the API
 * -------------------------------------------------------------------- */

START_TEST(test_api)
{
    py_ast *ast;
    /* err, out and filename may be NULL */
    ck_assert_int_eq(py_parse_file("x", 1, NULL, NULL, NULL), 0);
    ck_assert_int_eq(py_parse_file("x = = 1", 7, NULL, NULL, NULL), -1);
    py_ast_free(NULL);

    /* n bytes, not a C string */
    ck_assert_int_eq(py_parse_file("x = 1garbage", 5, NULL, &ast, NULL), 0);
    char *d = py_ast_dump(py_ast_root(ast), 0);
    ck_assert_str_eq(d, "(Module (Assign [(Name x Store)] (Constant 1)))");
    free(d);
    py_ast_free(ast);

    /* line ends, BOM, no final newline, empty input */
    static const char *const same[] = {
        "x = 1\ny = 2\n",
        "x = 1\r\ny = 2\r\n",
        "x = 1\ry = 2",
        "\xef\xbb\xbfx = 1\ny = 2",
    };
    for (size_t i = 0; i < N(same); i++) {
        d = dump_of(M_FILE, same[i], 0);
        ck_assert_str_eq(d, "(Module (Assign [(Name x Store)] (Constant 1)) "
                            "(Assign [(Name y Store)] (Constant 2)))");
        free(d);
    }
    d = dump_of(M_FILE, "", 0);
    ck_assert_str_eq(d, "(Module)");
    free(d);
    d = dump_of(M_FILE, "# only a comment", 0);
    ck_assert_str_eq(d, "(Module)");
    free(d);

    /* bytes CPython refuses before tokenizing */
    check_error(M_FILE, "x = 1\0", 6, "SyntaxError",
                "source code string cannot contain null bytes", 0, 0);
    check_error(M_FILE, "x = '\xff'", 7, "SyntaxError",
                "(unicode error) 'utf-8' codec can't decode byte 0xff in "
                "position 5: invalid start byte",
                0, 0);

    /* names */
    ck_assert_str_eq(py_kind_name(PY_ASSIGN), "Assign");
    ck_assert_str_eq(py_kind_name(PY_COMPREHENSION), "comprehension");
    ck_assert_str_eq(py_binop_name(PY_FLOORDIV), "FloorDiv");
    ck_assert_str_eq(py_binop_symbol(PY_FLOORDIV), "//");
    ck_assert_str_eq(py_binop_symbol(PY_MATMULT), "@");
    ck_assert_str_eq(py_unaryop_symbol(PY_NOT), "not");
    ck_assert_str_eq(py_unaryop_name(PY_USUB), "USub");
    ck_assert_str_eq(py_cmpop_symbol(PY_NOTIN), "not in");
    ck_assert_str_eq(py_cmpop_symbol(PY_ISNOT), "is not");
    ck_assert_str_eq(py_cmpop_name(PY_LTE), "LtE");
    d = py_ast_dump(NULL, 0);
    ck_assert_str_eq(d, "-");
    free(d);

    /* A tree's strings live until py_ast_free, whatever the source does. */
    char *src = strdup("name = 'text'");
    ck_assert_int_eq(py_parse_file(src, strlen(src), NULL, &ast, NULL), 0);
    memset(src, 'z', strlen(src));
    free(src);
    const py_node *a = py_ast_root(ast)->u.mod.body.items[0];
    ck_assert_str_eq(a->u.assign.targets.items[0]->u.name.id, "name");
    ck_assert_str_eq(a->u.assign.value->u.constant.s, "text");
    py_ast_free(ast);
}
END_TEST

static Suite *pyparse_suite(void)
{
    Suite *s = suite_create("pyparse");
    TCase *trees = tcase_create("trees");
    tcase_add_test(trees, test_talk_slides);
    tcase_add_test(trees, test_precedence);
    tcase_add_test(trees, test_statements);
    tcase_add_test(trees, test_expressions);
    tcase_add_test(trees, test_literals);
    tcase_add_test(trees, test_fstrings);
    tcase_add_test(trees, test_interactive);
    tcase_add_test(trees, test_positions);
    tcase_add_test(trees, test_constant_values);
    suite_add_tcase(s, trees);
    TCase *repl = tcase_create("repl");
    tcase_add_test(repl, test_input_status);
    tcase_add_test(repl, test_repl_session);
    suite_add_tcase(s, repl);
    TCase *errors_tc = tcase_create("errors");
    tcase_add_test(errors_tc, test_errors);
    tcase_add_test(errors_tc, test_error_kinds);
    tcase_add_test(errors_tc, test_error_format);
    suite_add_tcase(s, errors_tc);
    TCase *limits = tcase_create("limits");
    tcase_set_timeout(limits, 120);
    tcase_add_test(limits, test_nesting_limits);
    tcase_add_test(limits, test_size_limits);
    tcase_add_test(limits, test_garbage);
    tcase_add_test(limits, test_api);
    suite_add_tcase(s, limits);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pyparse_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
