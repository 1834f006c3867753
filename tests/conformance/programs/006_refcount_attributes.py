# Instance and class attributes are references too.
import sys


class Node:
    shared = []

    def __init__(self, payload):
        self.payload = payload
        self.next = None

    def link(self, other):
        self.next = other


p = [0]
n1 = Node(p)
n2 = Node(p)
print("payload held by two nodes", sys.getrefcount(p))
print("class attribute", sys.getrefcount(Node.shared))
n1.link(n2)
print("n2 after link", sys.getrefcount(n2))
n1.next = None
print("n2 after unlink", sys.getrefcount(n2))
n1.payload = n2.payload = None
print("payload dropped", sys.getrefcount(p))
Node.shared.append(p)
print("in the class list", sys.getrefcount(p))
print("same list through an instance", n1.shared is Node.shared)
