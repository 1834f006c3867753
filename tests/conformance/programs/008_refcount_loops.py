# A for loop's variable holds the current item; enumerate keeps the
# last item in its reused result tuple, and zip() pairs hold both.
import sys

items = [[1], [2], [3]]
first = items[0]
print("before", sys.getrefcount(first))
for it in items:
    if it is first:
        print("as loop variable", sys.getrefcount(first))
print("loop variable still bound", sys.getrefcount(first), it)
for i, it in enumerate(items):
    print("enumerate", i, sys.getrefcount(it))
del it
print("after del it", sys.getrefcount(first))
total = 0
k = 0
while k < 3:
    total += len(items[k])
    k += 1
print("while", total, sys.getrefcount(first))
pairs = list(zip(items, items))
print("zip pairs", sys.getrefcount(first), len(pairs))
