# The str methods of the subset.
s = "  Hello, World  "
print(repr(s.strip()), repr(s.lower()), repr(s.upper()))
print(s.strip().split(", "))
print("a b  c".split(), "a,b,,c".split(","), "x".split(","))
print("one two".replace("o", "0"), "aaa".replace("a", "b", 2))
print("heapd".startswith("heap"), "heapd".endswith("d"), "x".startswith("xy"))
print(" | ".join(["a", "b", "c"]), "".join(["x"] * 3))
t = "abcdef"
print(t[1:4], t[::-1], t[-2:], repr(t[:0]), t[::2], repr(t[10:]))
print(len(t), "cd" in t, "z" not in t, t * 2, "ab" + "cd")
print("a" < "b", "abc" < "abd", "Z" < "a", "b" > "abc")
w = "x"
w += "y"
w += "z"
print(w, str(12) + str(3.5), int("42") + 1, float("2.5") * 2)
