# __del__ can resurrect its object by storing self: on a refcount free the
# object lives on, and when it dies again __del__ is not called.
import gc
import sys

saved = []


class Phoenix:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("__del__", self.name)
        saved.append(self)


p = Phoenix("p")
del p
print("resurrected:", len(saved), saved[0].name)
print("finalized:", gc.is_finalized(saved[0]))
print("refcount", sys.getrefcount(saved[0]))
saved.clear()
print("cleared; saved has", len(saved))
q = Phoenix("q")
print("q finalized before del:", gc.is_finalized(q))
q = None
saved.pop()
print("end")
