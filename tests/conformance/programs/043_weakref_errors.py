# Only some types can be weakly referenced.
import weakref


class Ok:
    def __init__(self):
        self.x = 1


print("instance", weakref.ref(Ok())() is None)
keep = Ok()
print("class", weakref.ref(Ok)() is Ok)
for value in [1, "s", [1], (1,), {"a": 1}, None]:
    try:
        weakref.ref(value)
        print(type(value).__name__, "ok")
    except TypeError as e:
        print(type(value).__name__, "TypeError:", e)
print("count of an int", weakref.getweakrefcount(5))
print("count of a list", weakref.getweakrefcount([]))
