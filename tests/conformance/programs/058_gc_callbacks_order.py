# Several callbacks run in list order, at start and at stop; the info
# dict has exactly three keys.
import gc


def first(phase, info):
    print("first", phase, info["generation"])


def second(phase, info):
    print("second", phase, sorted(info.keys()))


gc.disable()
gc.collect()
gc.callbacks.append(first)
gc.callbacks.append(second)
print("collect(1):")
gc.collect(1)
gc.callbacks.remove(first)
print("collect(2) with one callback:")
gc.collect(2)
gc.callbacks.clear()
print("cleared:", gc.collect(), len(gc.callbacks))
