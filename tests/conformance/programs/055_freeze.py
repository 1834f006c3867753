# freeze() moves everything tracked into a permanent generation the
# collector ignores; unfreeze() moves it back into the oldest.
import gc
import weakref


class C:
    def __init__(self):
        self.me = self


gc.disable()
gc.collect()
c = C()
r = weakref.ref(c)
before = gc.get_freeze_count()
gc.freeze()
print("frozen some objects", gc.get_freeze_count() > before)
del c
print("collect() with the cycle frozen ->", gc.collect())
print("still alive", r() is not None)
gc.unfreeze()
print("after unfreeze", gc.get_freeze_count())
found = False
for o in gc.get_objects(2):
    if o is r():
        found = True
print("now in generation 2", found)
del o
print("collect(0) ->", gc.collect(0), "collect(1) ->", gc.collect(1))
print("collect(2) ->", gc.collect(2), "alive", r() is not None)
