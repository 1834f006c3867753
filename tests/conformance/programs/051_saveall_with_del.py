# With DEBUG_SAVEALL, __del__ still runs once; the objects are kept in
# gc.garbage, and freeing them later does not run __del__ again.
import gc


class D:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("__del__", self.name)


gc.disable()
gc.collect()
gc.set_debug(gc.DEBUG_SAVEALL)
a = D("a")
b = D("b")
a.peer = b
b.peer = a
del a, b
print("collect() ->", gc.collect())
print("saved", len(gc.garbage), sorted([x.name for x in gc.garbage]))
print("finalized", gc.is_finalized(gc.garbage[0]))
gc.set_debug(0)
for x in gc.garbage:
    x.peer = None
print("cycle broken")
del x
gc.garbage.clear()
print("cleared", len(gc.garbage))
