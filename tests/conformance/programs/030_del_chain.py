# Freeing the head of a chain a -> b -> c frees the rest at once, in order.
class N:
    def __init__(self, name, nxt=None):
        self.name = name
        self.nxt = nxt

    def __del__(self):
        print("__del__", self.name)


c = N("c")
b = N("b", c)
a = N("a", b)
del b, c
print("del a:")
del a
print("done")
x = N("x")
print("rebinding x:")
x = N("y")
print("rebound")
x = None
print("end")
