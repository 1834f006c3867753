# The order __del__ runs in when a container is freed: a list and a tuple
# release their items last to first, a dict first to last.
class D:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("__del__", self.name)


lst = [D("l1"), D("l2"), D("l3")]
print("del list")
del lst
t = tuple([D("t1"), D("t2"), D("t3")])
print("del tuple")
del t
d = {"a": D("d1"), "b": D("d2"), "c": D("d3")}
print("del dict")
del d
h = D("holder")
h.x = D("attr x")
h.y = D("attr y")
print("del instance with attributes")
del h
print("end")
