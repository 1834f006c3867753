# Over-allocation: a list grown by append, a dict and a set grown by
# insertion, with the length at which each size first appears.
import sys


def steps(sizes):
    out = []
    last = -1
    for i, s in enumerate(sizes):
        if s != last:
            out.append((i, s))
            last = s
    return out


lst = []
ls = []
d = {}
ds = []
keys = {}
st = set()
ss = []
for i in range(45):
    ls.append(sys.getsizeof(lst))
    lst.append(i)
    ds.append(sys.getsizeof(d))
    d[i] = i
    keys[str(i)] = i
    ss.append(sys.getsizeof(st))
    st.add(i)
print("list", steps(ls))
print("dict int keys", steps(ds))
print("set", steps(ss))
print("dict str keys", sys.getsizeof(keys))
lst.clear()
print("cleared list", sys.getsizeof(lst))
