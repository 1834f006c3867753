# Constants are shared within one statement and one function body only.
def f():
    return 1000

f() is f()
x = 1000
x is f()
s = "hello world"
t = "hello world"
s is t
u = "hello world"; v = "hello world"
u is v
p = "hello"
q = "hello"
p is q
