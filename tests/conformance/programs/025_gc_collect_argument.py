# collect() takes a generation 0..2 (positional or keyword) and rejects
# anything else.
import gc

gc.disable()
print(gc.collect(), gc.collect(0), gc.collect(1), gc.collect(2))
l = []
l.append(l)
del l
print("keyword generation=2", gc.collect(generation=2))
for g in [3, -1]:
    try:
        gc.collect(g)
        print("collect", g, "ok")
    except ValueError as e:
        print("collect", g, type(e).__name__, e)
try:
    gc.collect("x")
except TypeError as e:
    print("collect('x')", type(e).__name__, e)
try:
    gc.get_objects(3)
except ValueError as e:
    print("get_objects(3)", type(e).__name__)
