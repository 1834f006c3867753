# The debug flag constants and set_debug/get_debug.  DEBUG_STATS writes
# to stderr, which is not compared.
import gc

print("STATS", gc.DEBUG_STATS)
print("COLLECTABLE", gc.DEBUG_COLLECTABLE)
print("UNCOLLECTABLE", gc.DEBUG_UNCOLLECTABLE)
print("SAVEALL", gc.DEBUG_SAVEALL)
print("LEAK", gc.DEBUG_LEAK)
print("default", gc.get_debug())
gc.set_debug(gc.DEBUG_STATS + gc.DEBUG_COLLECTABLE)
print("set", gc.get_debug())
x = []
x.append(x)
del x
print("collect with DEBUG_STATS", gc.collect())
gc.set_debug(gc.DEBUG_LEAK)
parts = gc.DEBUG_COLLECTABLE + gc.DEBUG_UNCOLLECTABLE + gc.DEBUG_SAVEALL
print("LEAK", gc.get_debug() == parts)
gc.set_debug(0)
print("reset", gc.get_debug())
del gc.garbage[:]
