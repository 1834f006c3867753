# gc.callbacks: each is called with "start" and "stop" and an info dict
# (generation, collected, uncollectable).
import gc

log = []


def cb(phase, info):
    log.append((phase, info["generation"], info["collected"], info["uncollectable"]))


gc.disable()
gc.collect()
gc.callbacks.append(cb)
a = []
a.append(a)
del a
b = {}
b["b"] = b
del b
print("collect() ->", gc.collect())
print("collect(0) ->", gc.collect(0))
gc.callbacks.remove(cb)
print("collect(1) without callback ->", gc.collect(1))
for entry in log:
    print(entry)
print("callbacks left", len(gc.callbacks))
