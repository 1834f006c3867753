# get_referrers(x): the tracked objects that refer to x (the module's
# globals dict among them); print their types.
import gc


class K:
    def __init__(self, v):
        self.v = v


gc.disable()
gc.collect()
inner = [1]
outer = [inner]
d = {"k": inner}
refs = gc.get_referrers(inner)
print("referrers", sorted([type(o).__name__ for o in refs]))
print("outer among them", outer in refs, d in refs)
del refs
k = K(inner)
refs = gc.get_referrers(inner)
print("with an instance", sorted([type(o).__name__ for o in refs]))
print("the instance", k in refs)
del refs
t = (inner, 2)
refs = gc.get_referrers(inner)
print("with a tuple", sorted([type(o).__name__ for o in refs]))
del refs
print("of an unreferenced new list", gc.get_referrers([5]))
