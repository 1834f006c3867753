# Identifier-like literals are interned; strings built at run time are not,
# until sys.intern.
import sys

a = "hello"
b = "".join(["hel", "lo"])
print("built", a == b, a is b)
c = sys.intern(b)
print("interned", c is a)
s1 = " ".join(["hello", "world!"])
s2 = " ".join(["hello", "world!"])
print("built twice", s1 is s2)
i1 = sys.intern(s1)
i2 = sys.intern(s2)
print("interned twice", i1 is i2, i1 is s1, i2 is s2)
ch1 = "abc"[1]
ch2 = "xbz"[1]
print("one-char strings", ch1 is ch2)
e1 = "abc"[0:0]
e2 = "xyz"[1:1]
print("empty slices", e1 is e2)
k = {"hello": 1}
for key in k:
    print("dict key is the literal", key is a)
print("upper is new", "hi".upper() is "hi".upper())
