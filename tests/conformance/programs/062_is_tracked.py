# Which objects the collector tracks: containers yes, atoms no.
import gc


class C:
    def __init__(self):
        self.x = 1


def f():
    return 1


atoms = [1, 2 ** 80, 1.5, "a", b"x", None, True]
for obj in atoms:
    print(type(obj).__name__, gc.is_tracked(obj))
print("list", gc.is_tracked([]), gc.is_tracked([1]))
print("set", gc.is_tracked(set()), gc.is_tracked({1}))
print("empty tuple", gc.is_tracked(tuple([])))
print("runtime tuple of ints", gc.is_tracked(tuple([1, 2])))
print("tuple holding a list", gc.is_tracked(tuple([[], 1])))
print("empty dict", gc.is_tracked({}))
print("dict of atoms", gc.is_tracked({"a": 1, 2: "b"}))
print("dict holding a list", gc.is_tracked({"a": []}))
print("instance", gc.is_tracked(C()))
print("class", gc.is_tracked(C))
print("function", gc.is_tracked(f))
