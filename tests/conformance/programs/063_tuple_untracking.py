# Tuples are created tracked and untracked by a collection once they hold
# only untracked objects.  A nested one reached only through its outer
# tuple needs two: the inner one is visited after the outer.
import gc

gc.disable()
t = tuple([1, 2])
print("new tuple of ints", gc.is_tracked(t))
gc.collect(0)
print("after collect(0)", gc.is_tracked(t))
u = tuple([1, []])
gc.collect()
print("holding a list, after collect()", gc.is_tracked(u))
outer = tuple([tuple([3, 4]), 5])
print("nested, before", gc.is_tracked(outer), gc.is_tracked(outer[0]))
gc.collect()
print("after one collect()", gc.is_tracked(outer), gc.is_tracked(outer[0]))
gc.collect()
print("after two", gc.is_tracked(outer), gc.is_tracked(outer[0]))
inner = tuple([3, 4])
named = tuple([inner, 5])
gc.collect()
print("inner bound to a name: one is enough", gc.is_tracked(named))
s = tuple(["a", "b"])
gc.collect()
print("strs only", gc.is_tracked(s))
