# Slide 8 (heap allocation): the same program with the ids compared
# instead of printed.  (The slide calls fun(); the function is sqr.)
seen = []


def main():
    x = 300
    seen.append(id(x))
    w = sqr(x)
    seen.append(id(w))


def sqr(x):
    seen.append(id(x))
    z = x * x
    seen.append(id(z))
    return z


if __name__ == "__main__":
    main()
print("x in main is x in sqr", seen[0] == seen[1])
print("z is w", seen[2] == seen[3])
print("z is not x", seen[0] != seen[2])
print("values", 300 * 300)
