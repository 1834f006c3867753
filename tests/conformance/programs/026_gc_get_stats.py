# get_stats() per generation: collections, collected, uncollectable;
# print what one collection adds.
import gc


def delta(before, after):
    out = []
    for g in range(3):
        b = before[g]
        a = after[g]
        out.append((a["collections"] - b["collections"], a["collected"] - b["collected"], a["uncollectable"] - b["uncollectable"]))
    return out


gc.disable()
gc.collect()
s = gc.get_stats()
print(len(s), sorted(s[0].keys()))
for i in range(5):
    x = {}
    x["me"] = x
del x
s0 = gc.get_stats()
gc.collect(0)
print("collect(0) of 5 dict cycles", delta(s0, gc.get_stats()))
s0 = gc.get_stats()
gc.collect(1)
print("collect(1), nothing to find", delta(s0, gc.get_stats()))
a = [[]]
a[0].append(a)
del a
s0 = gc.get_stats()
gc.collect()
print("collect() of a 2-cycle", delta(s0, gc.get_stats()))
