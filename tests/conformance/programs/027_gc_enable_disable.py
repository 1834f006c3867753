# disable() stops automatic collection only; collect() still works.
import gc

print("initially", gc.isenabled())
gc.disable()
print("after disable", gc.isenabled())
gc.collect()
gc.set_threshold(10)
before = gc.get_stats()[0]["collections"]
junk = []
for i in range(100):
    junk.append([i])
print("no automatic collection", gc.get_stats()[0]["collections"] - before)
a = []
a.append(a)
del a
print("explicit collect while disabled", gc.collect())
gc.enable()
print("after enable", gc.isenabled())
before = gc.get_stats()[0]["collections"]
for i in range(100):
    junk.append([i])
print("automatic collections ran", gc.get_stats()[0]["collections"] - before > 0)
gc.disable()
gc.disable()
print("disable twice", gc.isenabled())
