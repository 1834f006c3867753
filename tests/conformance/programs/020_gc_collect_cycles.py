# gc.collect() returns how many unreachable objects it found.
import gc

gc.disable()
gc.collect()
for i in range(8):
    lst = [1, 2, 3, 4]
    lst.append(lst)
del lst
print("8 self-referencing lists", gc.collect())
a = []
b = [a]
a.append(b)
del a, b
print("two lists in a cycle", gc.collect())
d = {}
d["self"] = d
del d
print("dict self-cycle", gc.collect())
x = [[], []]
x[0].append(x)
x[1].append(x[0])
del x
print("three lists, two cycles", gc.collect())
class Pair:
    def __init__(self, other):
        self.other = other


p = Pair(None)
p.other = Pair(p)
del p
print("two instances", gc.collect())
q = Pair(None)
q.other = q
del q
print("instance self-cycle", gc.collect())
keep = []
keep.append(keep)
print("cycle still referenced", gc.collect())
