# Functions: positional and keyword arguments, defaults, implicit None,
# functions as values.
def area(w, h=2, scale=1):
    return w * h * scale


def nothing():
    x = 1


def apply(fn, v):
    return fn(v)


def double(v):
    return v * 2


print(area(3), area(3, 4), area(3, scale=10), area(h=5, w=2))
print(nothing(), nothing() is None)
print(apply(double, 21), apply(double, "ab"), apply(len, [1, 2, 3]))
print(sorted([3, 1, 2], key=lambda v: -v), sorted(["bb", "a", "ccc"], key=len))
ops = [double, abs, str]
print([f(-4) for f in ops])
print(type(double).__name__, double.__name__)
fn = double
print(fn is double, fn(fn(1)))
print(max(3, 9, 2), min([4, 1, 8]), sum([1, 2, 3], 10), abs(-2.5))
print(max(["apple", "fig", "banana"], key=len), min("hello"))
