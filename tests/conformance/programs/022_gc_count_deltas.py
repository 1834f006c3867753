# get_count()[0] counts container objects allocated since the last
# collection, minus those freed; collect() resets it.  A warm-up first:
# the full collection emptied the freelists.
import gc


class Obj:
    def __init__(self, n):
        self.n = n


gc.disable()
gc.collect()
warm = [Obj(0), gc.get_count()]
del warm
held = []
base = gc.get_count()[0]
for i in range(10):
    held.append(Obj(i))
made = gc.get_count()[0] - base
held.clear()
freed = gc.get_count()[0] - base
for i in range(5):
    held.append({"k": [i]})
dicts = gc.get_count()[0] - base
n = 10 ** 30 + len(held)
s = "abc" * 100
untracked = gc.get_count()[0] - base
print("10 instances", made)
print("after freeing them", freed)
print("5 dicts holding a list each", dicts)
print("a big int and a str", untracked - dicts)
gc.collect(0)
print("after collect(0)", gc.get_count())
gc.collect()
print("after collect()", gc.get_count())
