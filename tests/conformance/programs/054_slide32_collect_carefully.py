# Slide 32 (best practices: gc.collect() carefully), after making some
# cycles to collect.
import gc

gc.collect()
for i in range(5):
    d = {"n": i}
    d["self"] = d
print("Collecting...")
n = gc.collect()
print("Number of unreachable objects collected:", n)
print("Uncollectable garbage:", gc.garbage)
print("Collecting...")
n = gc.collect()
print("Number of unreachable objects collected:", n)
