# get_referents(x): what x's traversal visits.  Tuples and lists report
# all items; a dict its keys and values except str keys; an instance its
# attribute values and its class.
import gc


class K:
    def __init__(self, v):
        self.v = v


def names(objs):
    out = []
    for o in objs:
        if o is inner:
            out.append("inner")
        else:
            out.append(o)
    return out


inner = [1]
print("list", names(gc.get_referents([inner, 2])))
print("tuple", gc.get_referents((1, "a")))
print("dict str keys", names(gc.get_referents({"k": inner})))
print("dict int keys", names(gc.get_referents({7: inner})))
print("int", gc.get_referents(1))
print("str", gc.get_referents("abc"))
k = K(inner)
print("instance", len(gc.get_referents(k)), K in gc.get_referents(k))
print("several at once", len(gc.get_referents([1, 2], [3])))
print("set", sorted(gc.get_referents({3, 1, 2})))
