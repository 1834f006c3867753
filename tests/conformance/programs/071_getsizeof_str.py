# sys.getsizeof of str: header + one byte per character (+1) for ASCII;
# the header shrank in 3.12.  Wider characters use 1, 2 or 4 bytes each.
import sys

for s in ["", "a", "abc", "hello world", "x" * 100]:
    print(repr(s[:12]), len(s), sys.getsizeof(s))
print("latin-1", sys.getsizeof("aé"), sys.getsizeof("é" * 2))
print("ucs2", sys.getsizeof("ab€"), sys.getsizeof("a" + "€"))
print("ucs4", sys.getsizeof("a😀"), sys.getsizeof("😀"))
print("joined", sys.getsizeof("".join(["ab", "cd"])))
print("str(12345)", sys.getsizeof(str(12345)))
print("upper", sys.getsizeof("abc".upper()))
