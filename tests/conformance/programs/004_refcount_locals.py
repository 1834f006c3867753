# Locals hold references until the function returns; a returned object
# keeps only the references the caller makes.
import sys


def make():
    m = [1, 2, 3]
    print("local in make", sys.getrefcount(m))
    alias = m
    print("two locals", sys.getrefcount(m))
    return m


def keep(o, store):
    store.append(o)
    print("in keep", sys.getrefcount(o))


v = make()
print("bound by the caller", sys.getrefcount(v))
box = []
keep(v, box)
print("after keep", sys.getrefcount(v))
keep(v, box)
print("after keep twice", sys.getrefcount(v))
box = []
print("box replaced", sys.getrefcount(v))
print("nested temporary", sys.getrefcount(make()))
