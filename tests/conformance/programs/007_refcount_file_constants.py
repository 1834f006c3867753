# In a file, equal constants are one object held by the compiled file;
# values computed at run time are new objects held only by their names.
import sys

x = 300
print("x = 300", sys.getrefcount(x))
y = 300
print("y = 300", sys.getrefcount(x), x is y)
n = int("12345")
print("int('12345')", sys.getrefcount(n))
m = n + 1
print("n + 1", sys.getrefcount(m))
f = 2.5
g = f * 2
print("float literal vs computed", sys.getrefcount(f) > sys.getrefcount(g))
print("computed float", sys.getrefcount(g))
s = "-".join(["a", "b", "c"])
print("joined str", sys.getrefcount(s), s)
