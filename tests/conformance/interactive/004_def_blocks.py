# def and class blocks end at a blank line; echoing happens only at the
# top level of each statement.
def double(v):
    return v * 2

double(21)
def show(v):
    v
    return v

show("inside")
class Box:
    def __init__(self, v):
        self.v = v

Box(3).v
[double(i) for i in range(3)]
