# expect-exit: 1
# An uncaught exception at module level: what was printed before stays,
# the traceback goes to stderr, the exit status is 1.
def check(v):
    if v > 2:
        raise ValueError(f"value too large: {v}")
    return v


for i in range(5):
    print("checked", check(i))
print("not reached")
