# The dict methods of the subset; insertion order throughout.
d = {"b": 1, "a": 2}
d["c"] = 3
print(d, len(d), "a" in d, "z" not in d)
print(d.get("a"), d.get("z"), d.get("z", 0))
print(d.pop("b"), d, d.pop("z", "default"))
print(d.setdefault("a", 100), d.setdefault("n", []), d)
d["n"].append(1)
d.update({"a": 0, "new": 5})
d.update(x=9)
print(d)
print(list(d.keys()), list(d.values()))
print(list(d.items())[0], len(d.items()))
d["a"] = "changed"
print(d)
e = dict(d)
e.clear()
print(e, len(d), dict([(1, 2), (3, 4)]), dict(zip("ab", [1, 2])))
print({1: "x"} == {1: "x"}, {1: 2, 3: 4} == {3: 4, 1: 2})
nums = {}
for w in "a b a c b a".split():
    nums[w] = nums.get(w, 0) + 1
print(nums)
