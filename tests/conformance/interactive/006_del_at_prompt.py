# __del__ runs as soon as the last reference goes, including the one _
# holds.
class D:
    def __init__(self, name):
        self.name = name
    def __del__(self):
        print("__del__", self.name)

d = D("one")
del d
e = D("two")
e.name
e = None
f = D("three")
[f.name]
del f
"after del f"
