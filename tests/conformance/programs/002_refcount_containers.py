# A slot in a container is one reference; removing the item drops it.
import sys

x = [0]
lst = [x, x, x]
print("in a list 3 times", sys.getrefcount(x))
t = (x, x)
print("plus a tuple of 2", sys.getrefcount(x))
d = {"k": x, "j": x}
print("plus two dict values", sys.getrefcount(x))
s = {1, 2}
n = 5000 + len(s)
s.add(n)
print("int in a set", sys.getrefcount(n))
lst.pop()
print("after pop()", sys.getrefcount(x))
del d["k"]
print("after del d['k']", sys.getrefcount(x))
lst.clear()
print("after clear()", sys.getrefcount(x))
del t
print("after del t", sys.getrefcount(x))
d.update({"j": None})
print("after update", sys.getrefcount(x))
s.discard(n)
print("after discard", sys.getrefcount(n))
