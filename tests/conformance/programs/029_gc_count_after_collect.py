# A collection of generation g resets the counts of generations 0..g and
# adds one to generation g+1's count.
import gc

gc.disable()
gc.collect()
gc.collect(0)
print("after collect(0)", gc.get_count())
gc.collect(0)
gc.collect(0)
print("after three", gc.get_count())
gc.collect(1)
print("after collect(1)", gc.get_count())
for i in range(4):
    gc.collect(0)
gc.collect(1)
gc.collect(1)
print("two collect(1)", gc.get_count())
gc.collect(2)
print("after collect(2)", gc.get_count())
gc.collect()
print("after collect()", gc.get_count())
