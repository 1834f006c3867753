# With gc enabled, allocating past threshold0 runs a gen-0 collection;
# every threshold1 gen-0 collections, a gen-1 collection.
import gc


class Item:
    def __init__(self, i):
        self.i = i


gc.collect()
gc.set_threshold(100, 3, 1000)
start = gc.get_stats()
held = []
for i in range(1000):
    held.append(Item(i))
end = gc.get_stats()
for g in range(3):
    print("generation", g, "collections", end[g]["collections"] - start[g]["collections"])
print("nothing collected", end[0]["collected"] - start[0]["collected"])
gc.disable()
start = gc.get_stats()
for i in range(1000):
    held.append(Item(i))
end = gc.get_stats()
print("disabled: gen0 collections", end[0]["collections"] - start[0]["collections"])
gc.enable()
print("held", len(held))
