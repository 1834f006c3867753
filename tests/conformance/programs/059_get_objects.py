# get_objects() lists tracked objects, optionally of one generation; a
# freshly made object is in generation 0 until a collection promotes it.
import gc


def holds(objs, target):
    for o in objs:
        if o is target:
            return True
    return False


class K:
    def __init__(self):
        self.v = 1


gc.disable()
gc.collect()
k = K()
lst = [k]
d = {"a": 1}
print("instance", holds(gc.get_objects(), k))
print("list", holds(gc.get_objects(), lst))
print("untracked dict", holds(gc.get_objects(), d))
print("in gen0", holds(gc.get_objects(0), k), holds(gc.get_objects(2), k))
gc.collect(0)
print("after collect(0): gen0, gen1", holds(gc.get_objects(0), k), holds(gc.get_objects(1), k))
gc.collect()
print("after collect(): gen2", holds(gc.get_objects(2), k))
print("generation keyword", holds(gc.get_objects(generation=2), lst))
print("membership with in", k in gc.get_objects())
print("ints are not tracked", holds(gc.get_objects(), 12345))
