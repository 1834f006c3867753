# Each name bound to an object holds one reference; getrefcount's own
# argument adds one more.
import sys

a = []
print("a = []", sys.getrefcount(a))
b = a
print("b = a", sys.getrefcount(a))
c = d = a
print("c = d = a", sys.getrefcount(a))
b = None
print("b = None", sys.getrefcount(a))
del c
print("del c", sys.getrefcount(a))
d = [1, 2]
print("d rebound", sys.getrefcount(a), sys.getrefcount(d))
print("temporary", sys.getrefcount([]))
