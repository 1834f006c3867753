# Slides 28-29: ref_cycle() makes a list that contains itself; calling it
# eight times leaves eight cycles for the collector.
import gc


def ref_cycle():
    list = [1, 2, 3, 4]
    list.append(list)
    return list


for i in range(8):
    ref_cycle()
n = gc.collect()
print("Number of unreachable objects collected by GC:", n)
print("Uncollectable garbage:", gc.garbage)
print("Number of unreachable objects collected by GC:", gc.collect())
