# for over range, lists, tuples, strs, dicts and their views, sets,
# enumerate and zip.
print([i for i in range(2, 11, 3)], list(range(5, 0, -2)))
for ch in "ab":
    print("char", ch)
for v in (10, 20):
    print("tuple item", v)
d = {"one": 1, "two": 2}
for k in d:
    print("key", k)
for k in d.keys():
    print("keys()", k)
for v in d.values():
    print("values()", v)
for k, v in d.items():
    print("items()", k, v)
for x in {3, 1, 2}:
    print("set", x)
for i, (k, v) in enumerate(d.items()):
    print("enumerate", i, k, v)
for a, b in zip([1, 2, 3], "xy"):
    print("zip", a, b)
print(list(enumerate("ab", 1)), list(zip(range(2), range(5, 7))))
