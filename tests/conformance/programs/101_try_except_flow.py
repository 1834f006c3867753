# try/except/else/finally: which blocks run, in which order.
def run(v):
    try:
        print(" try", v)
        if v == 1:
            raise ValueError("one")
        if v == 2:
            raise KeyError("two")
        if v == 3:
            raise TypeError("three")
    except ValueError as e:
        print(" except ValueError", e)
    except (KeyError, IndexError) as e:
        print(" except tuple", type(e).__name__, e)
    except:
        print(" bare except")
    else:
        print(" else")
    finally:
        print(" finally")


for v in range(4):
    print("run", v)
    run(v)


def early():
    try:
        return "from try"
    finally:
        print(" finally before the return")


print(early())
