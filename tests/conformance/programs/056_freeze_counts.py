# get_freeze_count() follows freeze/unfreeze; objects made after a
# freeze are collected as usual.
import gc

gc.disable()
gc.collect()
gc.freeze()
frozen = gc.get_freeze_count()
print("something frozen", frozen > 0)
a = []
a.append(a)
del a
print("new garbage still collected", gc.collect())
print("count unchanged", gc.get_freeze_count() == frozen)
keep = [[], []]
gc.freeze()
print("second freeze adds them", gc.get_freeze_count() - frozen)
gc.unfreeze()
print("unfreeze empties it", gc.get_freeze_count())
gc.unfreeze()
print("unfreeze twice", gc.get_freeze_count())
print("collect() after unfreeze", gc.collect())
