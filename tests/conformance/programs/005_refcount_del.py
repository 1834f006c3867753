# del of a name, an item, a slice and an attribute each drop one reference.
import sys


class Holder:
    def __init__(self, v):
        self.v = v
        self.w = v


x = ["payload"]
h = Holder(x)
lst = [x, 1, x, 2, x]
d = {1: x, 2: x}
print("start", sys.getrefcount(x))
del h.v
print("del h.v", sys.getrefcount(x))
del lst[0]
print("del lst[0]", sys.getrefcount(x))
del lst[1:]
print("del lst[1:]", sys.getrefcount(x), lst)
del d[2]
print("del d[2]", sys.getrefcount(x), len(d))
y = x
del x
print("del x, y left", sys.getrefcount(y))
del h
print("del h", sys.getrefcount(y))
try:
    print(x)
except NameError as e:
    print(type(e).__name__, e)
