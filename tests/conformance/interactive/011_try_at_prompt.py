# try/except blocks at the prompt; an uncaught raise reports and goes on.
try:
    1 / 0
except ZeroDivisionError as e:
    type(e).__name__

try:
    "no error"
except ValueError:
    "unused"
else:
    "else runs"
finally:
    "finally runs"

raise ValueError("at the prompt")
"still here"
