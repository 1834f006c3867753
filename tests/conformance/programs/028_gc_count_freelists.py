# Lists, dicts and tuples come from per-type freelists: one taken from a
# freelist or put back on it leaves get_count()[0] alone.  A full
# collection empties the freelists, so the first list after it is new.
import gc


class Obj:
    def __init__(self, n):
        self.n = n


gc.disable()
gc.collect()
base = gc.get_count()[0]
c_read = gc.get_count()[0] - base
a = []
c_list = gc.get_count()[0] - base
del a
c_del = gc.get_count()[0] - base
b = []
c_reuse = gc.get_count()[0] - base
o = Obj(1)
c_inst = gc.get_count()[0] - base
del o
c_inst_del = gc.get_count()[0] - base
print("reading the count", c_read)
print("first list", c_list)
print("list freed onto the freelist", c_del)
print("list from the freelist", c_reuse)
print("first instance", c_inst)
print("instance freed", c_inst_del)
