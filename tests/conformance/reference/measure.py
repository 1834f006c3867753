#!/usr/bin/env python3
"""Measure CPython memory-behaviour reference facts for heapd.

Usage:
    python3 measure.py                 # print facts as "key = value" lines
    python3 measure.py --json OUT      # also write the facts to OUT as JSON
    python3 measure.py --table A.json B.json C.json
                                       # print markdown tables comparing runs

Runs under CPython 3.11, 3.12 and 3.13 (64-bit).  Everything that depends on
process state (refcounts, gc counts, collector scenarios) is measured in a
fresh child process (sys.executable), so the numbers do not depend on what
this driver did before.  Children get the parent's environment minus
PYTHONSTARTUP / PYTHONINSPECT so interactive runs are not perturbed.
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap

FACTS = {}          # key -> str (insertion ordered)


def put(key, value):
    FACTS[key] = value if isinstance(value, str) else repr(value)


def child_env():
    env = dict(os.environ)
    for k in ("PYTHONSTARTUP", "PYTHONINSPECT", "PYTHONMALLOC", "PYTHONDEVMODE"):
        env.pop(k, None)
    return env


def run_script(code, interactive=False):
    """Run CODE in a fresh interpreter.

    interactive=False: `python3 file.py`
    interactive=True:  `python3 -i < file` (stdin not a tty -> basic REPL,
                       each top-level statement compiled separately in
                       'single' mode; prompts go to stderr).
    Returns stdout (+ stderr if non-empty, prefixed) as text.
    """
    code = textwrap.dedent(code).lstrip("\n")
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(code)
        path = fh.name
    try:
        if interactive:
            with open(path) as stdin:
                p = subprocess.run([sys.executable, "-i"], stdin=stdin,
                                   capture_output=True, text=True,
                                   env=child_env(), timeout=120)
        else:
            p = subprocess.run([sys.executable, path], capture_output=True,
                               text=True, env=child_env(), timeout=120)
    finally:
        os.unlink(path)
    out = p.stdout.rstrip("\n")
    err = p.stderr
    if interactive:
        # drop prompts; keep real error text
        err = err.replace(">>> ", "").replace("... ", "")
        err = "\n".join(l for l in err.splitlines()
                        if l.strip() and not l.startswith("Python ")
                        and not l.startswith('Type "help"')).strip()
    else:
        err = err.strip()
    if err:
        out += "\n[stderr]\n" + err
    if p.returncode != 0:
        out += "\n[exit %d]" % p.returncode
    return out


def put_kv_output(prefix, out):
    """Child prints 'key|value' lines; store them as prefix+key."""
    for line in out.splitlines():
        if "|" in line:
            k, v = line.split("|", 1)
            put(prefix + k, v)
        elif line.strip():
            put(prefix + "?" + str(len(FACTS)), line)


# ---------------------------------------------------------------------------
# 1. sys.getsizeof
# ---------------------------------------------------------------------------

def sec1_sizes():
    import weakref
    gs = sys.getsizeof

    class C:
        pass

    class C1:
        def __init__(self):
            self.a = 1

    class C3:
        def __init__(self):
            self.a = 1; self.b = 2; self.c = 3

    class C10:
        def __init__(self):
            self.a0 = 0; self.a1 = 1; self.a2 = 2; self.a3 = 3; self.a4 = 4
            self.a5 = 5; self.a6 = 6; self.a7 = 7; self.a8 = 8; self.a9 = 9

    class M:
        def m(self):
            pass

    def f():
        pass

    inst = C()
    items = [
        ("None", None), ("True", True), ("False", False),
        ("0", 0), ("1", 1), ("255", 255), ("2**30-1", 2**30 - 1),
        ("2**30", 2**30), ("2**60", 2**60), ("2**62", 2**62),
        ("-1", -1), ("-(2**40)", -(2**40)), ("1.5", 1.5),
        ("''", ""), ("'a'", "a"), ("'abc'", "abc"),
        ("'hello world'", "hello world"), ("'x'*100 (ascii)", "x" * 100),
        ("'é' (latin-1)", "\u00e9"), ("'ab€' (UCS2)", "ab\u20ac"),
        ("'a😀' (UCS4)", "a\U0001F600"), ("'😀'", "\U0001F600"),
        ("'aé' (latin-1, 2 chars)", "a\u00e9"),
        ("chr(0xe9)*2 (runtime)", chr(0xE9) * 2),
        ("'a'+chr(0x20ac) (runtime UCS2)", "a" + chr(0x20AC)),
        ("b''", b""), ("b'abc'", b"abc"),
        ("()", ()), ("(1,)", (1,)), ("(1,2,3)", (1, 2, 3)),
        ("[]", []), ("[1]", [1]), ("[1,2,3] literal", [1, 2, 3]),
        ("list(range(3))", list(range(3))), ("list('abc')", list("abc")),
        ("[1,2,3,4,5,6] literal", [1, 2, 3, 4, 5, 6]),
        ("[inst, inst] (BUILD_LIST 2 of names)", [inst, inst]),
        ("{}", {}), ("{1:1}", {1: 1}), ("dict(x=1)", dict(x=1)),
        ("{'a':1} literal", {"a": 1}),
        ("set()", set()), ("{1}", {1}), ("frozenset()", frozenset()),
        ("frozenset({1})", frozenset({1})),
        ("C() empty class instance", inst),
        ("C1() 1 attr", C1()), ("C3() 3 attrs", C3()), ("C10() 10 attrs", C10()),
        ("class object C", C), ("def f(): pass", f),
        ("lambda: None", lambda: None),
        ("weakref.ref(inst)", weakref.ref(inst)),
        ("weakref.ref(inst, callback)", weakref.ref(inst, lambda r: None)),
        ("bound method M().m", M().m),
        ("object()", object()), ("range(3)", range(3)),
    ]
    for name, obj in items:
        put("1.size " + name, gs(obj))

    # instance __dict__ (materialises the dict), after which the
    # instance size may change
    c3 = C3()
    before = gs(c3)
    d = c3.__dict__
    put("1.size C3() instance __dict__ (materialised)", gs(d))
    put("1.size C3() after __dict__ access", gs(c3))
    put("1.size C3() before __dict__ access", before)
    del d

    # getsizeof - __sizeof__ (GC pre-header accounting) and basicsize
    for name, obj in [("int 1", 1), ("float", 1.5), ("str 'a'", "a"),
                      ("tuple (1,)", (1,)), ("list []", []), ("dict {}", {}),
                      ("set()", set()), ("C()", C()), ("function", f),
                      ("object()", object()), ("type C", C)]:
        put("1.presize " + name, gs(obj) - type(obj).__sizeof__(obj))
    for t in (int, float, str, bytes, tuple, list, dict, set, frozenset,
              object, type, type(f), type(M().m), range, weakref.ref, C):
        put("1.basic/item %s" % t.__name__,
            "%d/%d" % (t.__basicsize__, t.__itemsize__))

    # list growth by append
    lst = []
    seq = []
    prev = None
    for n in range(0, 41):
        if n:
            lst.append(n)
        s = gs(lst)
        if s != prev:
            seq.append("len%d:%d" % (n, s))
            prev = s
    put("1.growth list.append 0..40", " ".join(seq))

    def growth(make, add, limit, label):
        obj = make()
        seq = []
        prev = None
        for n in range(0, limit + 1):
            if n:
                add(obj, n)
            s = gs(obj)
            if s != prev:
                seq.append("len%d:%d" % (n, s))
                prev = s
        put("1.growth " + label, " ".join(seq))

    def dset(d, n):
        d[n] = n

    def dset_s(d, n):
        d["k%d" % n] = n

    growth(dict, dset, 50, "dict int keys 0..50")
    growth(dict, dset_s, 50, "dict str keys 0..50")
    growth(set, lambda s, n: s.add(n), 50, "set.add 0..50")

    # sizes of list literals of various lengths (compiler-dependent)
    for n in range(0, 9):
        src = "[" + ",".join(str(i) for i in range(n)) + "]"
        put("1.size literal %s" % src, gs(eval(src)))


# ---------------------------------------------------------------------------
# 2. sys.getrefcount: script vs `python3 -i < file`
# ---------------------------------------------------------------------------

REFCOUNT_SRC = '''
import sys
print("rc None|%d" % sys.getrefcount(None))
print("rc True|%d" % sys.getrefcount(True))
print("rc False|%d" % sys.getrefcount(False))
print("rc 0|%d" % sys.getrefcount(0))
print("rc 1|%d" % sys.getrefcount(1))
print("rc 256|%d" % sys.getrefcount(256))
print("rc 257|%d" % sys.getrefcount(257))
print("rc -5|%d" % sys.getrefcount(-5))
print("rc -6|%d" % sys.getrefcount(-6))
print("rc ''|%d" % sys.getrefcount(''))
print("rc 'a'|%d" % sys.getrefcount('a'))
print("rc 'hello' literal|%d" % sys.getrefcount('hello'))
s = sys.intern('hello world!')
print("rc sys.intern('hello world!') bound to s|%d" % sys.getrefcount(s))
print("rc 1.5 literal|%d" % sys.getrefcount(1.5))
print("rc () |%d" % sys.getrefcount(()))
a = []
print("a=[] -> rc(a)|%d" % sys.getrefcount(a))
b = a
print("b=a -> rc(a)|%d" % sys.getrefcount(a))
c = [a, a, a]
print("c=[a,a,a] -> rc(a)|%d" % sys.getrefcount(a))
def show(obj): return sys.getrefcount(obj)

print("show(a)|%d" % show(a))
def show2(obj):
    x = obj
    return sys.getrefcount(obj)

print("show2(a) (extra local)|%d" % show2(a))
x = 300
print("x=300 -> rc(x)|%d" % sys.getrefcount(x))
y = 300
print("y=300 -> rc(x)|%d" % sys.getrefcount(x))
print("x is y (separate statements)|%s" % (x is y))
a = 300; b = 300
print("a=300; b=300 one line: a is b|%s" % (a is b))
print("a=300; b=300 one line: rc(a)|%d" % sys.getrefcount(a))
z = 1000 + 1
print("z=1000+1 (folded const) rc(z)|%d" % sys.getrefcount(z))
n = int('12345')
print("n=int('12345') (runtime) rc(n)|%d" % sys.getrefcount(n))
e = []
e
print("e=[]; bare 'e' echoed; rc(e)|%d" % sys.getrefcount(e))
'''


def sec2_refcounts():
    for mode, inter in (("script", False), ("-i", True)):
        out = run_script(REFCOUNT_SRC, interactive=inter)
        # in -i mode the bare expression `e` echoes "[]" on stdout
        lines = [l for l in out.splitlines() if l != "[]"]
        for line in lines:
            if "|" in line:
                k, v = line.split("|", 1)
                put("2.%s [%s]" % (k, mode), v)
            else:
                put("2.raw[%s] %d" % (mode, len(FACTS)), line)
    # Where does the extra reference in script mode come from?  The AST
    # arena of the file being run stays alive while it executes (it holds
    # the parsed constant); exec(compile(...)) frees it before running.
    src = "import sys\nx = 300\nprint(sys.getrefcount(x))\n"
    out = run_script("exec(compile(%r, 'f', 'exec'))\n" % src)
    put("2.x=300 -> rc(x) under exec(compile(src)) (arena freed)", out)
    put("2.x=300 -> rc(x) as file script (arena alive)", run_script(src))


# ---------------------------------------------------------------------------
# 3. gc module facts
# ---------------------------------------------------------------------------

def sec3_gc_facts():
    out = run_script('''
        import gc
        print("count right after import gc|%s" % (gc.get_count(),))
        l1 = []; l2 = []; l3 = []; l4 = []; l5 = []
        print("count after 5 lists (list freelist reuse)|%s" % (gc.get_count(),))
        class U: pass
        u1 = U(); u2 = U(); u3 = U(); u4 = U(); u5 = U()
        print("count after 5 user-class instances|%s" % (gc.get_count(),))
        del u1, u2, u3, u4, u5
        print("count after del of those 5|%s" % (gc.get_count(),))
        keep = [[] for _ in range(200)]
        c0 = gc.get_count()[0]
        m1 = []; m2 = []; m3 = []; m4 = []; m5 = []
        print("gen0 delta for 5 lists with freelist drained|%d" % (gc.get_count()[0] - c0))
        del keep
        print("threshold|%s" % (gc.get_threshold(),))
        print("isenabled|%s" % gc.isenabled())
        print("get_debug|%s" % gc.get_debug())
        for n in ("DEBUG_STATS", "DEBUG_COLLECTABLE", "DEBUG_UNCOLLECTABLE",
                  "DEBUG_SAVEALL", "DEBUG_LEAK"):
            print("%s|%d" % (n, getattr(gc, n)))
        st = gc.get_stats()
        print("get_stats len|%d" % len(st))
        print("get_stats[0] keys|%s" % sorted(st[0]))
        print("get_stats (at start)|%s" % st)
        print("get_freeze_count at start|%d" % gc.get_freeze_count())
        import collections
        before = {id(o) for o in gc.get_objects()}
        gc.unfreeze()
        moved = [o for o in gc.get_objects() if id(o) not in before]
        print("types in permanent gen at start|%s" % sorted(collections.Counter(type(o).__name__ for o in moved).items()))
        del moved
        print("has is_finalized|%s" % hasattr(gc, "is_finalized"))
        print("dir(gc) public|%s" % [n for n in dir(gc) if not n.startswith("_")])
    ''')
    put_kv_output("3.", out)

    out = run_script('''
        import gc
        class C: pass
        def f(): pass
        inst = C()
        cases = [("1", 1), ("'a'", "a"), ("[]", []), ("{}", {}), ("{1:1}", {1: 1}),
                 ("{1:[]}", {1: []}), ("{'a':1}", {"a": 1}), ("()", ()),
                 ("(1,2) const", (1, 2)), ("(1,[])", (1, [])), ("set()", set()),
                 ("frozenset()", frozenset()), ("instance C()", inst),
                 ("class C", C), ("function f", f), ("1.5", 1.5),
                 ("object()", object()), ("None", None)]
        for name, o in cases:
            print("is_tracked %s|%s" % (name, gc.is_tracked(o)))
        t = tuple([1, 2])
        print("tuple([1,2]) tracked before collect|%s" % gc.is_tracked(t))
        gc.collect()
        print("tuple([1,2]) tracked after collect()|%s" % gc.is_tracked(t))
        t0 = tuple([1, 2])
        gc.collect(0)
        print("tuple([1,2]) tracked after collect(0)|%s" % gc.is_tracked(t0))
        tl = tuple([1, []])
        gc.collect()
        print("tuple([1,[]]) tracked after collect()|%s" % gc.is_tracked(tl))
        tt = tuple([tuple([1, 2]), 5])
        print("nested tuple((1,2),5) runtime before|%s" % gc.is_tracked(tt))
        gc.collect()
        print("nested tuple((1,2),5) runtime after collect()|%s" % gc.is_tracked(tt))
        print("nested tuple inner after 1st collect()|%s" % gc.is_tracked(tt[0]))
        gc.collect()
        print("nested tuple((1,2),5) after 2nd collect()|%s" % gc.is_tracked(tt))
        d = {"a": 1}
        print("{'a':1} tracked|%s" % gc.is_tracked(d))
        d["b"] = []
        print("after d['b']=[] tracked|%s" % gc.is_tracked(d))
        del d["b"]
        print("after del d['b'] tracked|%s" % gc.is_tracked(d))
        gc.collect()
        print("after del + collect() tracked|%s" % gc.is_tracked(d))
        d2 = dict(a=1)
        print("dict(a=1) tracked|%s" % gc.is_tracked(d2))
        d3 = {}
        d3["x"] = (1, 2)
        print("d={} ; d['x']=(1,2) const (const already untracked by earlier collect) tracked|%s" % gc.is_tracked(d3))
        d4 = {}
        d4["x"] = tuple([1, 2])
        print("d={} ; d['x']=tuple([1,2]) tracked|%s" % gc.is_tracked(d4))
        print("is_finalized(inst)|%s" % gc.is_finalized(inst))
        inst.x = 1
        print("materialised inst.__dict__ ({'x':1}) tracked|%s" % gc.is_tracked(inst.__dict__))
        c = compile("x=(7,8)", "s", "exec")
        print("const tuple from compile() (no collection during compile?)|%s" % gc.is_tracked(c.co_consts[0]))
    ''')
    put_kv_output("3.", out)


# ---------------------------------------------------------------------------
# 4. collector scenarios (one fresh process each)
# ---------------------------------------------------------------------------

PRELUDE = '''
import gc, sys
def stats():
    return [(s["collections"], s["collected"], s["uncollectable"]) for s in gc.get_stats()]
def delta(before):
    return [tuple(b - a for a, b in zip(x, y)) for x, y in zip(before, stats())]
'''

SCENARIOS = {
"a_ref_cycle_x8": '''
gc.disable(); gc.collect()
def ref_cycle():
    list = [1, 2, 3, 4]
    list.append(list)
    return list
print("count before loop", gc.get_count())
for i in range(8):
    ref_cycle()
print("count after loop", gc.get_count())
s0 = stats()
print("collect() ->", gc.collect())
print("stats delta (collections,collected,uncollectable) per gen", delta(s0))
print("count after", gc.get_count(), "garbage", len(gc.garbage))
print("collect() again ->", gc.collect())
''',
"b_two_lists": '''
gc.disable(); gc.collect()
a = []; b = []
a.append(b); b.append(a)
print("count after creating", gc.get_count())
del a, b
s0 = stats()
print("collect(0) ->", gc.collect(0))
print("stats delta", delta(s0), "count", gc.get_count())
# promoted variant
a = []; b = []
a.append(b); b.append(a)
print("count before collect(0) (still referenced)", gc.get_count())
print("collect(0) while referenced ->", gc.collect(0), "count", gc.get_count())
del a, b
print("count after del", gc.get_count())
print("collect(0) after del ->", gc.collect(0), "count", gc.get_count())
print("collect(1) ->", gc.collect(1), "count", gc.get_count())
# promoted twice: survives collect(0) then collect(1) -> gen2
a = []; b = []
a.append(b); b.append(a)
gc.collect(0); gc.collect(1)
del a, b
print("promoted to gen2: collect(0) ->", gc.collect(0), "collect(1) ->", gc.collect(1), "collect(2) ->", gc.collect(2))
''',
"c_instance_cycle": '''
gc.disable(); gc.collect()
class A: pass
a = A(); b = A()
a.other = b; b.other = a
del a, b
print("two instances, dicts never accessed: collect() ->", gc.collect())
a = A(); b = A()
a.other = b; b.other = a
a.__dict__; b.__dict__
print("  materialised __dict__ tracked:", gc.is_tracked(a.__dict__))
del a, b
print("two instances, __dict__ materialised: collect() ->", gc.collect())
class S:
    __slots__ = ("other",)
a = S(); b = S()
a.other = b; b.other = a
del a, b
print("two __slots__ instances: collect() ->", gc.collect())
a = A()
a.me = a
del a
print("one instance self-cycle: collect() ->", gc.collect())
class Big: pass
a = Big(); b = Big()
for i in range(40):
    setattr(a, "x%d" % i, i); setattr(b, "x%d" % i, i)
a.other = b; b.other = a
del a, b
print("two instances with 41 attrs each: collect() ->", gc.collect())
''',
"d_dict_self_cycle": '''
gc.disable(); gc.collect()
d = {}
d["self"] = d
del d
s0 = stats()
print("collect() ->", gc.collect(), "garbage", len(gc.garbage))
print("stats delta", delta(s0))
''',
"e_del_cycle": '''
gc.disable(); gc.collect()
class D:
    def __init__(self, name): self.name = name
    def __del__(self): print("__del__", self.name)
a = D("a"); b = D("b")
a.other = b; b.other = a
del a, b
s0 = stats()
print("collect() ->", gc.collect())
print("stats delta", delta(s0))
print("garbage", gc.garbage)
print("collect() again ->", gc.collect())
x = D("x"); y = D("y"); z = D("z")
x.n = y; y.n = z; z.n = x
del x, y, z
print("3-cycle x->y->z->x collect() ->", gc.collect())
''',
"f_resurrection": '''
gc.disable(); gc.collect()
saved = []
class R:
    ndel = 0
    def __del__(self):
        R.ndel += 1
        print("__del__ run, count", R.ndel)
        saved.append(self)
r = R()
r.me = r
del r
print("collect() ->", gc.collect())
print("alive:", len(saved), "is_finalized:", gc.is_finalized(saved[0]), "garbage", len(gc.garbage))
print("collect() again ->", gc.collect())
obj = saved.pop()
print("refcount of resurrected obj (obj + self.me + arg):", sys.getrefcount(obj))
obj.me = None
del obj
print("after dropping last refs: __del__ count", R.ndel, "(not rerun)")
print("collect() ->", gc.collect())
# plain refcount resurrection (no cycle)
class R2:
    n = 0
    def __del__(self):
        R2.n += 1; print("R2.__del__", R2.n); saved.append(self)
q = R2(); del q
print("R2 resurrected alive:", len(saved), "is_finalized:", gc.is_finalized(saved[-1]))
saved.clear()
print("R2 after clear: __del__ count", R2.n)
''',
"g_weakref_callback": '''
import weakref
gc.disable(); gc.collect()
class W: pass
def cb(ref):
    print("callback, ref() ->", ref())
o = W(); o.me = o
r = weakref.ref(o, cb)
del o
print("before collect, r() is", type(r()).__name__)
print("calling collect()")
n = gc.collect()
print("collect() ->", n)
print("after, r() ->", r())
o2 = W()
r2 = weakref.ref(o2, cb)
print("del o2 (refcount):")
del o2
print("after del o2, r2() ->", r2())
# weakref without callback in cycle
o3 = W(); o3.me = o3
r3 = weakref.ref(o3)
del o3
print("no-callback weakref cycle collect() ->", gc.collect(), "r3() ->", r3())
# weakref that is itself part of the garbage: callback NOT called
o4 = W(); o4.me = o4
o4.wr = weakref.ref(o4, cb)
del o4
print("weakref inside the garbage cycle: collect() ->", gc.collect())
''',
"h_saveall": '''
gc.disable(); gc.collect()
gc.set_debug(gc.DEBUG_SAVEALL)
for i in range(3):
    l = []; l.append(l)
del l
print("collect() ->", gc.collect(), "len(garbage)", len(gc.garbage))
print("garbage types", [type(x).__name__ for x in gc.garbage])
print("collect() again ->", gc.collect(), "len(garbage)", len(gc.garbage))
gc.set_debug(0)
del gc.garbage[:]
print("after clearing garbage with debug off: collect() ->", gc.collect())
''',
"i_freeze": '''
gc.disable(); gc.collect()
print("freeze_count before", gc.get_freeze_count(), "count", gc.get_count())
a = []; a.append(a)
aid = id(a)
gc.freeze()
print("freeze_count after freeze", gc.get_freeze_count(), "count", gc.get_count())
del a
print("collect() with cycle frozen ->", gc.collect(), "freeze_count", gc.get_freeze_count())
gc.unfreeze()
print("after unfreeze freeze_count", gc.get_freeze_count(), "count", gc.get_count())
print("gen2 holds the cycle:", any(id(o) == aid for o in gc.get_objects(2)))
print("gen0 holds it:", any(id(o) == aid for o in gc.get_objects(0)))
print("collect(0) ->", gc.collect(0), "collect(1) ->", gc.collect(1))
print("collect(2) ->", gc.collect(2))
''',
"j_callbacks": '''
gc.disable(); gc.collect()
log = []
def cb(phase, info):
    log.append((phase, dict(info)))
gc.callbacks.append(cb)
a = []; a.append(a); del a
b = {}; b["b"] = b; del b
print("collect() ->", gc.collect())
print("collect(0) ->", gc.collect(0))
gc.callbacks.remove(cb)
for entry in log:
    print(entry)
''',
"k_bad_generation": '''
for g in (3, -1, 2**70, "x"):
    try:
        gc.collect(g)
        print("collect(%r) ok" % (g,))
    except Exception as e:
        print("collect(%r) -> %s: %s" % (g, type(e).__name__, e))
try:
    gc.get_objects(3)
except Exception as e:
    print("get_objects(3) -> %s: %s" % (type(e).__name__, e))
try:
    gc.get_objects(-1)
except Exception as e:
    print("get_objects(-1) -> %s: %s" % (type(e).__name__, e))
''',
"l_referrers": '''
gc.disable(); gc.collect()
inner = [1]
outer = [inner]
d = {"k": inner}
def describe(o):
    if o is outer: return "outer"
    if o is d: return "d"
    if o is globals(): return "globals()"
    return type(o).__name__
print("get_referrers(inner):", sorted(describe(o) for o in gc.get_referrers(inner)))
print("get_referents(outer):", [("inner" if o is inner else repr(o)) for o in gc.get_referents(outer)])
print("get_referents(d):", [("inner" if o is inner else repr(o)) for o in gc.get_referents(d)])
print("get_referents(inner) (ints not reported? ):", gc.get_referents(inner))
print("get_referents((1,'a')):", gc.get_referents((1, "a")))
print("get_referents(1):", gc.get_referents(1))
class K: pass
k = K(); k.x = inner
print("get_referents(instance):", [("inner" if o is inner else type(o).__name__) for o in gc.get_referents(k)])
print("get_referrers(inner) after k.x:", sorted(describe(o) for o in gc.get_referrers(inner)))
''',
"m_del_chain": '''
class N:
    def __init__(self, name, nxt=None): self.name = name; self.nxt = nxt
    def __del__(self): print("__del__", self.name)
c = N("c"); b = N("b", c); a = N("a", b)
del b, c
print("del a:")
del a
print("done")
''',
}


def sec4_scenarios():
    for name, body in SCENARIOS.items():
        put("4." + name, run_script(PRELUDE + body))


# ---------------------------------------------------------------------------
# 5. automatic collection
# ---------------------------------------------------------------------------

AUTO_SRC = '''
import gc, array
held = []
cb_len = array.array("q"); cb_gen = array.array("q"); cb_n = array.array("q")
cb_cnt0 = array.array("q")
def cb(phase, info):
    if phase == "start":
        cb_len.append(len(held)); cb_gen.append(info["generation"])
        cb_cnt0.append(gc.get_count()[0])
    else:
        cb_n.append(info["collected"])
print("threshold", gc.get_threshold(), "enabled", gc.isenabled())
gc.collect()
gc.callbacks.append(cb)
print("count after collect()+callback append", gc.get_count())
N = %(N)d
c0 = array.array("q", [0]) * (N + 1)
c1 = array.array("q", [0]) * (N + 1)
c0[0] = gc.get_count()[0]
for i in range(1, N + 1):
    held.append([])
    cnt = gc.get_count()
    c0[i] = cnt[0]; c1[i] = cnt[1]
gc.callbacks.remove(cb)
print("gen0 count every 100:", [(i, c0[i]) for i in range(0, N + 1, 100)])
drops = [(i, c0[i - 1], c0[i], c1[i]) for i in range(1, N + 1) if c0[i] < c0[i - 1]]
print("gen0 resets (len(held), gen0 before, gen0 after, gen1 after):", drops)
print("collections seen by callback (len(held) at start, generation, gen0 count at start, collected):")
print("  ", list(zip(cb_len, cb_gen, cb_cnt0, cb_n)))
'''


def sec5_auto():
    put("5.auto 2500 lists", run_script(AUTO_SRC % {"N": 2500}))
    # also the long run showing a gen1 collection
    out = run_script(AUTO_SRC % {"N": 25000})
    lines = out.splitlines()
    keep = [l for l in lines if not l.startswith(("gen0 count every 100",
                                                  "gen0 resets"))]
    put("5.auto 25000 lists (callback log)", "\n".join(keep))


# ---------------------------------------------------------------------------
# 6. ids
# ---------------------------------------------------------------------------

def sec6_ids():
    """id() is the object address.  Only id % 16 is stable across runs
    (ASLR moves everything else), so only that is recorded."""
    class C:
        pass
    objs = [("None", None), ("True", True), ("0", 0), ("1", 1), ("256", 256),
            ("-5", -5), ("300 (runtime)", int("300")),
            ("2**70", int("1" + "0" * 21)), ("1.5", float("1.5")),
            ("'a' (1-char latin-1 singleton)", "a"),
            ("'hello' runtime str", "hel" + str(len("lo"))), ("''", ""),
            ("()", ()), ("(1,) runtime", (int("1"),)),
            ("[]", []), ("{}", {}), ("set()", set()), ("C()", C()),
            ("object()", object()), ("bytes(2)", bytes(2)), ("b''", b""),
            ("class C", C), ("function", sec6_ids), ("int type", int)]
    for name, o in objs:
        put("6.id%%16 %s" % name, id(o) % 16)
    pool = []
    for k in range(2000):
        pool += [object(), [], {}, (k, k), float(k), str(k) * 3, C(), k + 10**6]
    put("6.all 16000 heap objects (object/list/dict/tuple/float/str/C/int) id%16==0",
        all(id(o) % 16 == 0 for o in pool))
    del pool
    put("6.id(1)-id(0) (small-int array stride)", id(1) - id(0))
    put("6.id(-5) < id(0)", id(-5) < id(0))
    put("6.id(256)-id(255)", id(256) - id(255))
    put("6.id([]) == id([]) (immediate address reuse)", id([]) == id([]))
    put("6.id(object()) == id(object())", id(object()) == id(object()))


# ---------------------------------------------------------------------------

SECTION_TITLES = {
    "1": "1. sys.getsizeof",
    "2": "2. sys.getrefcount (script = `python3 file.py`, -i = `python3 -i < file`)",
    "3": "3. gc module facts",
    "4": "4. Collector scenarios (fresh process each; raw stdout)",
    "5": "5. Automatic collection (gc enabled, default thresholds)",
    "6": "6. id() alignment",
}


def to_table(paths):
    """Markdown for several --json runs (one column per version)."""
    runs = []
    for p in paths:
        with open(p) as fh:
            runs.append(json.load(fh))
    vers = [r["_version"] for r in runs]
    keys = []
    for r in runs:
        for k in r:
            if k not in keys and not k.startswith("_"):
                keys.append(k)
    esc = lambda v: v.replace("|", "\\|")
    modes = (" [script]", " [-i]")
    out = []
    cur_sec = None      # section whose heading was emitted
    cur_tab = None      # kind of table currently open
    done = set()
    for k in keys:
        if k in done:
            continue
        sec = k.split(".", 1)[0]
        if sec != cur_sec:
            out.append("")
            out.append("### " + SECTION_TITLES.get(sec, "Section " + sec))
            out.append("")
            cur_sec, cur_tab = sec, None
        name = k.split(".", 1)[1]
        vals = [r.get(k, "n/a") for r in runs]
        if k.startswith("2.") and k.endswith(modes):
            base = k[:k.rindex(" [")]
            if cur_tab != "modes":
                if cur_tab is not None:
                    out.append("")
                hdr = ["%s %s" % (v, m.strip(" []")) for v in vers for m in modes]
                out.append("| item | %s |" % " | ".join(hdr))
                out.append("|---|" + "---|" * len(hdr))
                cur_tab = "modes"
            cells = []
            for r in runs:
                for m in modes:
                    cells.append(r.get(base + m, "n/a"))
                    done.add(base + m)
            out.append("| %s | %s |" % (esc(base[2:]), " | ".join(cells)))
            continue
        if any("\n" in v for v in vals):
            if cur_tab is not None:
                out.append("")
            cur_tab = None
            out.append("#### " + name)
            if len(set(vals)) == 1:
                out.append("All versions:")
                out.append("```\n%s\n```" % vals[0])
            else:
                for v, val in zip(vers, vals):
                    out.append("%s:\n```\n%s\n```" % (v, val))
            out.append("")
            continue
        if cur_tab != "plain":
            if cur_tab is not None:
                out.append("")
            out.append("| item | %s | differs |" % " | ".join(vers))
            out.append("|---|" + "---|" * len(vers) + "---|")
            cur_tab = "plain"
        diff = "" if len(set(vals)) == 1 else "**yes**"
        out.append("| %s | %s | %s |" % (esc(name), " | ".join(esc(v) for v in vals), diff))
    return "\n".join(out).strip() + "\n"


def main(argv):
    if len(argv) > 1 and argv[1] == "--table":
        print(to_table(argv[2:]))
        return
    put("_version", "%d.%d.%d" % sys.version_info[:3])
    put("_build", sys.version.replace("\n", " "))
    sec1_sizes()
    sec2_refcounts()
    sec3_gc_facts()
    sec4_scenarios()
    sec5_auto()
    sec6_ids()
    for k, v in FACTS.items():
        if "\n" in v:
            print("%s =\n%s" % (k, textwrap.indent(v, "    ")))
        else:
            print("%s = %s" % (k, v))
    if len(argv) > 2 and argv[1] == "--json":
        with open(argv[2], "w") as fh:
            json.dump(FACTS, fh, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv)
