# An exception raised in __del__ is reported on stderr and ignored: the
# program goes on.
class Bad:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("__del__", self.name, "raises")
        raise ValueError("from __del__")


b = Bad("one")
print("before del")
del b
print("after del")
lst = [Bad("two"), Bad("three")]
lst = None
print("after the list")
try:
    c = Bad("four")
    del c
    print("no exception reached the caller")
except ValueError:
    print("caught (wrong)")
