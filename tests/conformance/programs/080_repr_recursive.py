# Containers that contain themselves print as [...] and {...}.
a = [1, 2]
a.append(a)
print(a)
print(repr(a), len(a))
d = {"k": 1}
d["self"] = d
print(d)
m = [d, a]
print(m)
x = []
y = [x]
x.append(y)
print(x, y)
e = {}
e["list"] = [e]
print(e)
t = tuple([a, 3])
print(t)
print(str(a) == repr(a))
print(f"{a}")
