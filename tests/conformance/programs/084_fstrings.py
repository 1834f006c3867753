# f-strings: conversions and simple format specs.
name = "heap"
n = 42
x = 3.14159
print(f"{name} {n} {x}")
print(f"{name!r} {n!r} {[name]!r}")
print(f"[{n:>5}] [{n:<5}] [{n:^5}] [{name:>8}] [{name:<8}]")
print(f"[{x:.2f}] [{x:8.3f}] [{-x:.1f}] [{n:.1f}]")
print(f"[{n:05}] [{x:07.2f}] [{n:3}] [{name:6}] [{x:>10.4f}]")
print(f"{n + 1} {n * 2} {name.upper()} {len(name)}")
print(f"{'literal'} {{braces}} {n}{n}")
print(f"{x!r:>10}|{name!r:<8}|")
print(f"{True} {None} {1.0} {[1, 2]} {(3,)}")
