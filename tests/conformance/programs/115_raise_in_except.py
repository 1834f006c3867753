# expect-exit: 1
# An exception raised while handling another: the new one propagates
# (finally still runs); only stdout is compared.
def handler():
    try:
        raise KeyError("first")
    except KeyError as e:
        print("handling", type(e).__name__, e)
        raise TypeError("second")
    finally:
        print("finally in handler")


try:
    handler()
except ValueError:
    print("not this one")
finally:
    print("outer finally")
print("not reached")
