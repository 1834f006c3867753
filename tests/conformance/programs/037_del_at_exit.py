# An object still referenced from a global when the program ends is
# finalized at shutdown, after the last line.
class D:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("__del__", self.name)


survivor = D("survivor")
temp = D("temp")
temp = None
print("last line of the program")
