# Objects with __del__ in a cycle are finalized by the collector, which
# then frees them (PEP 442): gc.garbage stays empty.
import gc


class D:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("__del__", self.name)


gc.disable()
gc.collect()
a = D("a")
b = D("b")
a.other = b
b.other = a
del a, b
print("collect() ->", gc.collect())
print("garbage", gc.garbage)
print("collect() again ->", gc.collect())
x = D("x")
y = D("y")
z = D("z")
x.n = y
y.n = z
z.n = x
del x, y, z
print("3-cycle collect() ->", gc.collect())
