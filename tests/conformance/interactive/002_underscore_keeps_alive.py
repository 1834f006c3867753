# An echoed value is bound to _ and stays alive until the next echo; None
# is not echoed and leaves _ alone.
import sys
e = []
sys.getrefcount(e)
e
sys.getrefcount(e)
sys.getrefcount(e)
e
_ is e
1 + 1
_
None
_
[1, 2]
_ + [3]
