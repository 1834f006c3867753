# A weak reference does not keep its referent alive; calling it gives the
# object, or None once the object is gone.
import sys
import weakref


class Target:
    def __init__(self, v):
        self.v = v


t = Target(42)
r = weakref.ref(t)
print("alive", r() is t, r().v)
print("refcount not raised", sys.getrefcount(t))
print("weakref count", weakref.getweakrefcount(t))
print("type", type(r).__name__)
del t
print("dead", r() is None)
print("the ref object lives on", type(r).__name__)
u = Target(1)
r1 = weakref.ref(u)
r2 = weakref.ref(u)
print("same ref object reused", r1 is r2, weakref.getweakrefcount(u))
del r1, r2
print("after del of the refs", weakref.getweakrefcount(u))
