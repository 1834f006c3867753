# The set methods of the subset, on small ints (printed in order).
s = {5, 1, 3}
s.add(2)
s.add(5)
print(s, len(s), 3 in s, 4 not in s)
s.discard(1)
s.discard(100)
print(s)
s.remove(2)
print(s)
try:
    s.remove(42)
except KeyError as e:
    print("KeyError", e)
print(set([1, 1, 2]), set("aa"), set(range(4)), set())
print({1, 2} == {2, 1}, {1, 2} == {1, 3}, 2 in {1, 2}, len({7, 7, 7}))
t = set()
for i in range(10):
    t.add(i % 4)
print(t, sorted(t), sum(t), min(t), max(t))
t.clear()
print(t, len(t))
