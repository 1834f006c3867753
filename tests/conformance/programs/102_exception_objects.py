# Raised exceptions are objects: their type, message and identity.
try:
    raise ValueError("bad value")
except ValueError as e:
    err = e
    print(type(e).__name__, e, repr(e))
print(isinstance(err, ValueError), isinstance(err, Exception))
try:
    raise RuntimeError("a", 2)
except RuntimeError as e:
    print(e, repr(e))
try:
    raise KeyError("k")
except LookupError as e:
    print("caught as LookupError:", type(e).__name__, e)
try:
    raise ZeroDivisionError()
except ArithmeticError as e:
    print("no message:", type(e).__name__, repr(str(e)))
try:
    try:
        raise IndexError("inner")
    except IndexError:
        raise ValueError("outer")
except ValueError as e:
    print("re-raised as", type(e).__name__, e)
try:
    print(undefined_name)
except NameError as e:
    print(type(e).__name__, e)
