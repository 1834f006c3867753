# Small ints -5..256 are shared objects; other ints made at run time are
# new objects each time.
a = int("256")
b = int("256")
print("256", a is b, a == b)
c = int("257")
d = int("257")
print("257", c is d, c == d)
e = int("-5")
f = int("-5")
print("-5", e is f)
g = int("-6")
h = int("-6")
print("-6", g is h)
total = 0
for i in range(100):
    total += 1
hundred = 100
print("sum of ones is 100", total is hundred)
big = 0
for i in range(300):
    big += 1
print("sum of ones is 300", big is int("300"), big == 300)
n200 = int("200")
print("small from arithmetic", (n200 + 56) is (n200 + 56))
print("large from arithmetic", (n200 + 57) is (n200 + 57))
