# Thresholds: the default differs by version (700 before 3.13, 2000 in
# 3.13); set_threshold changes only what it is given.
import gc

old = gc.get_threshold()
print("default", old)
gc.set_threshold(100, 5, 5)
print("set", gc.get_threshold())
gc.set_threshold(50)
print("only the first", gc.get_threshold())
gc.set_threshold(10, 2)
print("two of them", gc.get_threshold())
gc.set_threshold(old[0], old[1], old[2])
print("restored", gc.get_threshold() == old)
try:
    gc.set_threshold()
except TypeError as e:
    print("no arguments:", type(e).__name__)
print("enabled", gc.isenabled())
