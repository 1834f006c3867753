# expect-exit: 1
# Objects alive when an uncaught exception ends the program are still
# finalized: the failing frame's locals first, then the globals.
class D:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("__del__", self.name)


def fail():
    local = D("local")
    raise RuntimeError("stop")


g = D("global")
print("calling fail()")
fail()
print("not reached")
