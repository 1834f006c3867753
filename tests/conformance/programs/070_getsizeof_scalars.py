# sys.getsizeof of the atoms: None, bools, ints by magnitude, floats,
# bytes.
import sys

print("None", sys.getsizeof(None))
print("True False", sys.getsizeof(True), sys.getsizeof(False))
ints = [0, 1, 255, 2 ** 30 - 1, 2 ** 30, 2 ** 60 - 1, 2 ** 60, 2 ** 90, -1]
ints.append(-(2 ** 40))
for n in ints:
    print("int", n, sys.getsizeof(n))
print("float", sys.getsizeof(1.5), sys.getsizeof(0.0), sys.getsizeof(-1e300))
print("bytes", sys.getsizeof(b""), sys.getsizeof(b"abc"), sys.getsizeof(b"x" * 100))
