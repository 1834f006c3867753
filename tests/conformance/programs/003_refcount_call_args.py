# The talk's walk-through: arguments move into the callee's frame, so a
# call adds exactly one reference per parameter bound to the object.
import sys


def show(o):
    print("inside show", sys.getrefcount(o))


def show2(o):
    p = o
    print("inside show2", sys.getrefcount(o))
    return p


def twice(o, q):
    print("inside twice", sys.getrefcount(o))


a = []
print("a = []", sys.getrefcount(a))
b = a
print("b = a", sys.getrefcount(a))
c = [a, a, a]
print("c = [a, a, a]", sys.getrefcount(a))
show(a)
show2(a)
twice(a, a)
print("after the calls", sys.getrefcount(a))
r = show2(a)
print("returned and bound", sys.getrefcount(a), r is a)
