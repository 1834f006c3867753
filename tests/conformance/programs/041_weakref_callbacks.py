# A weakref callback runs when the referent dies, with the dead weakref as
# its argument; refs with callbacks are distinct objects.
import weakref

log = []


class T:
    def __init__(self, name):
        self.name = name


def cb(ref):
    log.append(ref)
    print("callback, ref() is None:", ref() is None)


t = T("t")
r1 = weakref.ref(t, cb)
r2 = weakref.ref(t, cb)
r3 = weakref.ref(t)
print("distinct with callbacks", r1 is r2, r1 is r3)
print("weakref count", weakref.getweakrefcount(t))
print("del t:")
del t
print("callbacks ran", len(log))
print("first call got r2", log[0] is r2, "second got r1", log[1] is r1)
u = T("u")
ru = weakref.ref(u, cb)
del ru
print("ref dropped first; del u:")
del u
print("callbacks ran", len(log))
v = T("v")
rv = weakref.ref(v, lambda ref: print("lambda callback"))
v = None
print("end")
