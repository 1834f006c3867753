# Weakrefs to cyclic garbage: the collector clears them and runs their
# callbacks; a weakref that is itself part of the garbage gets no call.
import gc
import weakref


class W:
    def __init__(self, tag):
        self.tag = tag


def cb(ref):
    print("callback, ref() ->", ref())


gc.disable()
gc.collect()
o = W("o")
o.me = o
r = weakref.ref(o, cb)
del o
print("before collect, alive:", r() is not None, r().tag)
print("collect() ->", gc.collect())
print("after, r() ->", r())
o3 = W("o3")
o3.me = o3
r3 = weakref.ref(o3)
del o3
print("no callback: collect() ->", gc.collect(), "r3() ->", r3())
o4 = W("o4")
o4.me = o4
o4.wr = weakref.ref(o4, cb)
del o4
print("weakref in the cycle: collect() ->", gc.collect())
