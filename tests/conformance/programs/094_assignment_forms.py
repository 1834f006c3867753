# Chained assignment, tuple unpacking and swapping, augmented assignment
# (in place on lists, a new object for tuples and ints).
x = y = []
print(x is y)
a, b = 1, 2
a, b = b, a
print(a, b)
(p, q), r = (3, 4), 5
print(p, q, r)
first, second, third = "xyz"
print(first, second, third)
lst = [1]
alias = lst
lst += [2]
print(lst, alias, lst is alias)
tup = (1,)
talias = tup
tup += (2,)
print(tup, talias, tup is talias)
n = 5
n *= 3
n -= 1
n //= 2
n **= 2
n %= 10
print(n)
s = "a"
s *= 3
print(s)
k = [0, 0]
k[0] += 5
k[1] -= 1
print(k)
