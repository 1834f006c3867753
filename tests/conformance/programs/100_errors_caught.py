# Built-in errors, caught: the exception's type name and message.
def attempt(label, fn):
    try:
        fn()
        print(label, "no error")
    except Exception as e:
        print(label, type(e).__name__, e)


attempt("1/0", lambda: 1 / 0)
attempt("1//0", lambda: 1 // 0)
attempt("1%0", lambda: 1 % 0)
attempt("1.0/0", lambda: 1.0 / 0)
attempt("index", lambda: [1, 2][5])
attempt("key", lambda: {"a": 1}["b"])
attempt("int key", lambda: {}[3])
attempt("int('x')", lambda: int("x"))
attempt("float('y')", lambda: float("y"))
attempt("1 + 'a'", lambda: 1 + "a")
attempt("'a' * 'b'", lambda: "a" * "b")
attempt("len(5)", lambda: len(5))
attempt("tuple item", lambda: (1, 2)[-3])
attempt("str index", lambda: "abc"[10])
attempt("list.index", lambda: [1].index(2))
attempt("list.remove", lambda: [1].remove(2))
attempt("pop empty", lambda: [].pop())
attempt("dict.pop", lambda: {}.pop("k"))
attempt("attribute", lambda: (1).nope)
five = 5
attempt("call int", lambda: five())
attempt("ok", lambda: 1 + 1)
