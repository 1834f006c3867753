# On a refcount free __del__ runs before the weakref callbacks; in a
# collected cycle the callbacks run first.
import gc
import weakref


class D:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("__del__", self.name)


def cb(r):
    print("callback, referent gone:", r() is None)


gc.disable()
gc.collect()
a = D("a")
ra = weakref.ref(a, cb)
print("del a:")
del a
b = D("b")
b.me = b
rb = weakref.ref(b, cb)
del b
print("collect():")
print("collect() ->", gc.collect())
