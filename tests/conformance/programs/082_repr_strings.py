# repr of str picks single quotes unless the text holds one and no double
# quote; escapes control characters, keeps printable non-ASCII.
strs = ["plain", "it's", 'say "hi"', "both ' and \"", "tab\there", "new\nline"]
strs.extend(["back\\slash", "nul\x00", "bell\x07", "é and €", "\x7f", "zero\u200bwidth"])
for s in strs:
    print(repr(s))
print(["a", "b'c"], ("x",), {"k": "v"})
print(repr(b"bytes"), repr(b"it's"), repr(b"\x00\xff"), repr(b'"'))
print(str("plain"), repr(repr("x")))
q = "it" + "'" + "s"
print(f"{'q'!r} {q!r} {q}")
print("".join(["a", "b"]), "-".join([]), repr(""))
