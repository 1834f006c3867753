# A weakref dies with its referent, unless _ keeps the referent alive
# (sets can be weakly referenced and echo without an address).
import weakref
class T:
    def __init__(self, v):
        self.v = v

t = T(1)
r = weakref.ref(t)
r() is t
del t
r() is None
s = {1, 2}
rs = weakref.ref(s)
s
del s
rs()
rs() is None
rs() is None
