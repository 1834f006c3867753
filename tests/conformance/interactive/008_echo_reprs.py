# The echo uses repr(); print() uses str() and echoes nothing itself.
"text"
'it' + "'" + 's'
print("text")
1.5
1 / 3
[1, "a", (2,), {"k": None}]
None
True
b"bytes"
x = print("printed")
x is None
