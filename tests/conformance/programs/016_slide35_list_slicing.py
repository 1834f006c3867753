# Slide 35 (best practices: avoid list slicing with [:]).  The slide's
# bare expressions print nothing in a file; the prints show what they
# made.  (The slide's list[slice(1,3)] is left out: slice() is not in the
# subset.)
import sys

list = [1, 2, 3, 4]
list[1:3]
part = list[1:3]
print(part, len(part))
print("a slice is a new list", part is list[1:3], part == list[1:3])
copy = list[:]
print("[:] copies", copy == list, copy is list)
print("the items are shared", copy[0] is list[0])
print("refcount of the original", sys.getrefcount(list))
print("sizes", sys.getsizeof(list), sys.getsizeof(copy), sys.getsizeof(part))
part[0] = 99
print(list, part)
