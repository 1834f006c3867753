# Refcounts at the prompt: bindings, containers and calls.
import sys
a = []
sys.getrefcount(a)
b = a
c = [a, a]
sys.getrefcount(a)
def show(o):
    return sys.getrefcount(o)

show(a)
del b, c
sys.getrefcount(a)
sys.getsizeof(a)
