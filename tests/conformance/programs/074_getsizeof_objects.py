# sys.getsizeof of instances, classes, functions, weakrefs: these
# differ between versions.
import sys
import weakref


class C:
    def __init__(self):
        self.a = 1


class E:
    def m(self):
        return 1


def f():
    return 1


c = C()
print("instance", sys.getsizeof(c), sys.getsizeof(E()))
c.b = 2
c.c = 3
print("attributes do not count", sys.getsizeof(c))
print("class", sys.getsizeof(C))
print("function", sys.getsizeof(f))
print("lambda", sys.getsizeof(lambda: None))
print("weakref", sys.getsizeof(weakref.ref(c)))
print("weakref with callback", sys.getsizeof(weakref.ref(c, lambda r: None)))
print("type objects", sys.getsizeof(int) > 0)
