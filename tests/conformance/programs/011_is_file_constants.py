# Within one file every equal constant is one object: in module code, in
# function bodies, and repeated literals.
x = 1000
y = 1000
print("module x is y", x is y)


def f():
    return 1000


def g():
    return 2.5


print("function constant is module constant", f() is x)
print("two calls", f() is f())
z = 2.5
print("float constants", g() is z)
w = "hello world"
v = "hello world"
print("str constants", w is v)
t1 = (1, 2, 3)
t2 = (1, 2, 3)
print("tuple constants", t1 is t2)
computed = int("1000")
print("computed is constant", computed is x, computed == x)
l1 = [1, 2]
l2 = [1, 2]
print("list displays are new objects", l1 is l2, l1 == l2)
