# PEP 442: __del__ runs at most once per object, even when the object
# survives it.
import gc

saved = []


class R:
    ndel = 0

    def __del__(self):
        R.ndel += 1
        print("__del__ run, count", R.ndel)
        saved.append(self)


gc.disable()
gc.collect()
r = R()
r.me = r
del r
print("collect() ->", gc.collect())
print("alive:", len(saved), "finalized:", gc.is_finalized(saved[0]))
print("collect() again ->", gc.collect())
obj = saved.pop()
obj.me = None
del obj
print("last reference dropped, count", R.ndel)
print("collect() ->", gc.collect())
