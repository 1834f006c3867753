# getweakrefcount follows refs as they are made and dropped.
import gc
import weakref


class T:
    def __init__(self):
        self.ok = True


t = T()
refs = []
for i in range(4):
    refs.append(weakref.ref(t, lambda r: print("callback")))
print("4 with callbacks", weakref.getweakrefcount(t))
plain = weakref.ref(t)
print("plus a plain one", weakref.getweakrefcount(t))
refs.pop()
print("one dropped", weakref.getweakrefcount(t))
refs.clear()
print("all with callbacks dropped", weakref.getweakrefcount(t))
print("plain still works", plain() is t)
print("is_tracked(weakref)", gc.is_tracked(plain))
del plain
print("none left", weakref.getweakrefcount(t))
x = T()
wx = weakref.ref(x, lambda r: print("x died"))
del x
print("dead ref", wx() is None)
