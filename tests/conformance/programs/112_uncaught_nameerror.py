# expect-exit: 1
# A NameError that nothing catches ends the program.
total = 0
for i in range(3):
    total += i
    print("total", total)
try:
    print(missing_one)
except NameError as e:
    print("caught", e)
print(missing_two)
print("not reached")
