# repr of containers: the one-tuple's comma, empty set, dict insertion
# order, sets of small ints in order, nesting.
print((1,), (), (1, 2), ((1,),))
print([], [[]], [(), {}])
print({}, set(), {1: "a", "b": 2})
print({3, 1, 2}, {10, 5, 7, 1}, set([0, 4, 2]))
d = {}
d["z"] = 1
d["a"] = 2
d["m"] = 3
print(d, list(d), list(d.values()), list(d.items()))
del d["z"]
d["z"] = 0
print(d)
print([None, True, False, 1.5, "s", b"b"])
print({"nested": {"list": [1, (2, 3)], "set": {4}}})
print(repr([1, [2, [3, [4]]]]), str((1, "a")))
print(type(1), type("s"), type([]), type(None))
print(list(range(5)), tuple(range(3)), range(3), range(1, 10, 2))
