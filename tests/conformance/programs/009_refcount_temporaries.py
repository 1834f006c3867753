# Temporaries: an object only on the evaluation stack has the count the
# call gives it; subscripts and attributes return new references.
import sys

print("fresh list", sys.getrefcount([1, 2]))
print("fresh dict", sys.getrefcount({"a": []}))
outer = [[7], [8]]
print("item of a list", sys.getrefcount(outer[0]))
print("slice copy", sys.getrefcount(outer[0:1]))
inner = outer[1]
print("bound item", sys.getrefcount(inner))
print("computed int", sys.getrefcount(len(outer) + 1000))
print("str(5000+1)", sys.getrefcount(str(5000 + 1)))
copy = list(outer)
print("list(outer) shares items", sys.getrefcount(inner), copy[1] is inner)
copy = None
print("copy dropped", sys.getrefcount(inner))
