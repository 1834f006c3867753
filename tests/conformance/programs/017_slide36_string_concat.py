# Slide 36 (best practices: string concatenation).  += makes a new str
# object; join builds the result once.
import sys

string = "hello"
first = string
string += "world"
print(string, first)
print("+= made a new object", string is first)
wordList = ("hello", "world")
string = " ".join(wordList)
print(string, len(string))
print("join result is new", string is wordList[0])
print("refcount of the joined str", sys.getrefcount(string))
pieces = []
for w in wordList:
    pieces.append(w.upper())
print("-".join(pieces), sys.getsizeof(string) - sys.getsizeof(""))
