# Dicts are tracked lazily: one holding only atoms is untracked until a
# container is stored in it; a full collection untracks it again.
import gc

gc.disable()
d = {"a": 1}
print("atoms only", gc.is_tracked(d))
d["b"] = []
print("after storing a list", gc.is_tracked(d))
del d["b"]
print("after deleting it", gc.is_tracked(d))
gc.collect()
print("after collect()", gc.is_tracked(d))
e = {}
e[1] = tuple([1, 2])
print("runtime tuple stored", gc.is_tracked(e))
f = dict(x=1, y="s")
print("dict(x=1)", gc.is_tracked(f))
g = {"k": {}}
print("holding an empty dict", gc.is_tracked(g))
