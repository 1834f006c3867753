# expect-exit: 1
# An uncaught KeyError after some collector work; an except clause that
# does not match lets it through.
import gc

gc.collect()
a = []
a.append(a)
del a
print("collected", gc.collect())
print("garbage", gc.garbage)
d = {"a": 1}
try:
    print(d["a"])
    print(list(d.keys()))
    print(d["b"])
except IndexError:
    print("wrong handler")
print("not reached")
