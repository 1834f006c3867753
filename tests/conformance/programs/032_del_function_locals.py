# Locals are released when the function returns, first local first; a
# returned object survives.
class D:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("__del__", self.name)


def work(arg):
    first = D("first")
    second = D("second")
    keep = D("returned")
    print("returning")
    return keep


def pass_through(o):
    print("in pass_through")


r = work(D("argument"))
print("after work:", r.name)
pass_through(D("temporary argument"))
print("after pass_through")
del r
print("end")
