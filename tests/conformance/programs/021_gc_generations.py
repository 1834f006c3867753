# Survivors move to the next generation: collect(0) only looks at the
# youngest, collect(1) at the first two, collect(2) at all.
import gc

gc.disable()
gc.collect()
a = []
b = []
a.append(b)
b.append(a)
del a, b
print("young cycle, collect(0)", gc.collect(0))
a = []
b = []
a.append(b)
b.append(a)
print("still referenced, collect(0)", gc.collect(0))
del a, b
print("now in gen1: collect(0)", gc.collect(0))
print("collect(1)", gc.collect(1))
a = []
b = []
a.append(b)
b.append(a)
gc.collect(0)
gc.collect(1)
del a, b
print("in gen2: collect(0)", gc.collect(0))
print("collect(1)", gc.collect(1))
print("collect(2)", gc.collect(2))
print("collect()", gc.collect())
