# sys.getsizeof of containers: the object itself, not what it holds; the
# 16-byte gc header included.
import sys

x = [1, 2, 3]
print("tuple", sys.getsizeof(()), sys.getsizeof((1,)), sys.getsizeof((1, 2, 3)))
print("list", sys.getsizeof([]), sys.getsizeof([x]), sys.getsizeof([x, x]))
print("list literal", sys.getsizeof([1, 2, 3]), sys.getsizeof([0, 1, 2, 3, 4]))
print("list()", sys.getsizeof(list(range(3))), sys.getsizeof(list("abc")))
print("dict", sys.getsizeof({}), sys.getsizeof({1: 1}), sys.getsizeof({"a": 1}))
print("dict(x=1)", sys.getsizeof(dict(x=1)))
print("set", sys.getsizeof(set()), sys.getsizeof({1}), sys.getsizeof({1, 2, 3, 4, 5}))
print("nested does not add", sys.getsizeof([[1, 2, 3, 4, 5, 6]]) == sys.getsizeof([[]]))
print("range", sys.getsizeof(range(3)), sys.getsizeof(range(10 ** 6)))
