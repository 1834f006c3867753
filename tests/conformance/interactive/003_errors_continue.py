# An error at the prompt is reported on stderr and the session goes on.
1
undefined_name
2
1 / 0
[1][5]
{}["k"]
int("x")
"still running"
x = 5
x
