# Expression statements inside a for, while or if block at the prompt
# are echoed too (they are part of the interactive statement).
for i in range(3):
    i

n = 0
while n < 2:
    n += 1
    n * 10

if n == 2:
    "two"
else:
    "other"

for ch in "ab":
    print(ch)

