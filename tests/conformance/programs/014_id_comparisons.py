# id() values are compared, never printed: equal for the same object,
# different for two live objects, reused after an object is freed.
a = [1, 2]
b = a
print("same object", id(a) == id(b))
c = [1, 2]
print("two live lists", id(a) == id(c))
print("freed at once", id([]) == id([]))
i = id(c)
del c
d = [3, 4]
print("list slot reused", id(d) == i)


class P:
    def __init__(self, v):
        self.v = v


p = P(1)
pid = id(p)
p = None
q = P(2)
print("instance slot reused", id(q) == pid)
ids = [id(o) for o in [a, d, q]]
print("all distinct", len(set(ids)) == 3)
print("int ids", id(5) == id(2 + 3), id(a) != id(5))
