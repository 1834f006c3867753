# expect-exit: 1
# An exception escaping nested calls runs every finally block on the way
# out, innermost first.
def inner(n):
    try:
        print("inner", n)
        return 10 // n
    finally:
        print("inner finally")


def outer(n):
    try:
        return inner(n) + 1
    finally:
        print("outer finally")


print(outer(5))
print(outer(0))
print("not reached")
