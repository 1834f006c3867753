# DEBUG_SAVEALL: unreachable objects go to gc.garbage instead of being
# freed.
import gc

gc.disable()
gc.collect()
gc.set_debug(gc.DEBUG_SAVEALL)
print("debug flags", gc.get_debug() == gc.DEBUG_SAVEALL)
for i in range(3):
    l = [i]
    l.append(l)
del l
print("collect() ->", gc.collect(), "len(garbage)", len(gc.garbage))
print("garbage types", [type(x).__name__ for x in gc.garbage])
print("first one", gc.garbage[0][0], gc.garbage[0][1] is gc.garbage[0])
print("collect() again ->", gc.collect(), "len(garbage)", len(gc.garbage))
gc.set_debug(0)
del gc.garbage[:]
print("garbage emptied", gc.garbage)
print("debug off: collect() ->", gc.collect())
