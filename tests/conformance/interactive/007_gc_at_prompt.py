# gc at the prompt: collect() results are echoed.
import gc
gc.disable()
n = gc.collect()
a = []; a.append(a)
del a
gc.collect()
gc.collect()
gc.isenabled()
gc.get_threshold()
gc.enable()
gc.isenabled()
