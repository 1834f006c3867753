# Each statement at the prompt is compiled on its own: the constant of
# `x = 300` is held by x alone once the statement is done.
import sys
x = 300
sys.getrefcount(x)
y = 300
sys.getrefcount(x)
x is y
a = 300; b = 300
a is b
sys.getrefcount(a)
n = int("300")
sys.getrefcount(n)
