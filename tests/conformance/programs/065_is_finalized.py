# is_finalized() tells whether an object's __del__ has run.
import gc

saved = []


class F:
    def __del__(self):
        saved.append(self)


class Plain:
    def __init__(self):
        self.x = 0


gc.disable()
gc.collect()
f = F()
print("new", gc.is_finalized(f))
f.me = f
del f
print("collect() ->", gc.collect())
print("after collection", gc.is_finalized(saved[0]))
p = Plain()
p.me = p
print("no __del__", gc.is_finalized(p))
print("non-gc object", gc.is_finalized(5), gc.is_finalized("s"))
g = F()
g = None
print("refcount death too", gc.is_finalized(saved[1]), len(saved))
for o in saved:
    o.me = None
saved.clear()
print("end", gc.collect())
