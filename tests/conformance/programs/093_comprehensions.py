# List comprehensions: filters, nesting, over dicts and strings.
print([x * x for x in range(6)])
print([x for x in range(20) if x % 3 == 0 if x % 2 == 0])
print([(x, y) for x in range(3) for y in range(x)])
d = {"a": 1, "b": 2, "c": 3}
print([k + str(v) for k, v in d.items()])
print([c.upper() for c in "heap"])
m = [[1, 2, 3], [4, 5, 6]]
print([row[1] for row in m], [sum(row) for row in m])
print([len(w) for w in "the quick brown fox".split()])
x = "outer"
print([x for x in [1, 2]], x)
print(sum([i for i in range(101)]), [i for i in []])
print(sorted([v for v in {5, 3, 9}]), [t[0] for t in [(1, 2), (3, 4)]])
