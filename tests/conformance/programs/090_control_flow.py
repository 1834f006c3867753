# if/elif/else, while with break and continue, nested loops.
def classify(n):
    if n < 0:
        return "negative"
    elif n == 0:
        return "zero"
    elif n % 2 == 0:
        return "even"
    else:
        return "odd"


print([classify(n) for n in [-3, 0, 4, 7]])
i = 0
found = []
while True:
    i += 1
    if i % 3 == 0:
        continue
    if i > 10:
        break
    found.append(i)
print(found, i)
for a in range(3):
    for b in range(3):
        if b > a:
            break
        print(a, b, end="; ")
print()
n = 10
while n > 0 and n != 4:
    n -= 3
print(n, 1 < n < 5, 5 < n < 10, not n, n and "truthy", 0 or "fallback")
