# Floats print as the shortest string that reads back the same.
values = [0.1, 0.5, 1 / 3, 2 / 3, 0.1 + 0.2, 1.0, -0.0, 100.0, 1e16, 1e15]
values.extend([123456789.123, 1e-5, 0.0001, 1e22, 2.5e-10, 3.14159, 1e308 * 10])
for v in values:
    print(v, repr(v), str(v))
print(float("inf"), -float("inf"), float("nan"))
print(7 / 2, 7 // 2, -7 / 2, -7 // 2, 7.5 // 2, 2 ** -1)
print(float(3), float("1.50"), int(2.99), int(-2.99))
print([0.1, 2.0], (1.5,), {"f": 0.25})
print(f"{1 / 3:.2f} {2.5:.0f} {3.5:.0f} {1234.5678:.1f} {0.000123:.3f}")
print(1e16 + 1, 2 ** 53 + 1.0, 9007199254740993.0)
