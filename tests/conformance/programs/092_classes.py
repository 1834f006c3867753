# Classes: class attributes shared by instances, instance attributes
# shadowing them, methods, isinstance.
class Counter:
    created = 0
    step = 1

    def __init__(self, start=0):
        self.value = start
        Counter.created += 1

    def bump(self, times=1):
        self.value += self.step * times
        return self.value

    def describe(self):
        return f"Counter({self.value})"


a = Counter()
b = Counter(10)
print(a.bump(), a.bump(3), b.bump())
b.step = 5
print(b.bump(), a.bump(), Counter.step, b.step)
print(Counter.created, a.created, a.describe(), b.describe())
print(isinstance(a, Counter), isinstance(1, Counter), type(a) is Counter)
print(type(a).__name__, Counter.__name__)
a.extra = [1]
del a.extra
try:
    print(a.extra)
except AttributeError as e:
    print("AttributeError", e)
print(a.bump(2), a.value, b.value)
