# None, True, False, () are singletons; empty lists and dicts are not.
n = None
print("None", n is None, [].append(1) is None)
t = 1 < 2
print("True", t is True, bool(1) is True, bool(0) is False)
print("not []", (not []) is True)
e1 = tuple([])
e2 = tuple(list())
unit = ()
print("empty tuples", e1 is e2, e1 is unit)
print("empty lists", [] is [], list() == [])
print("empty dicts", {} is {}, {} == dict())
x = [1]
y = x
z = [1]
print("is vs ==", x is y, x is z, x == z, x is not z)
print("1 == 1.0", 1 == 1.0, type(1) is type(1.0))
print("isinstance", isinstance(True, int), isinstance(1, float))
print("type names", type(None).__name__, type(()).__name__)
