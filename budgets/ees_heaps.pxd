# The two heaps of an Exact Equal Shares round (budgets/ees_rounds.pyx), as C structs and inline
# functions written once for both (a fused type): projects by a lower bound on their rho, and
# (round, project) pairs by a lower bound on the per-voter budget at which they change the round.
# Both order ties as Python's tuples would.

cdef struct Entry:
    double key  # a lower bound on the project's rho
    Py_ssize_t project


cdef struct Pair:
    double bound  # a lower bound on the per-voter budget at which the project changes the round
    Py_ssize_t round_no
    Py_ssize_t project
    long long need  # the payers it needs


ctypedef fused Item:
    Entry
    Pair


cdef inline bint less(const Item* a, const Item* b) noexcept nogil:
    if Item is Entry:
        return a.key < b.key or (a.key == b.key and a.project < b.project)
    else:
        if a.bound != b.bound:
            return a.bound < b.bound
        if a.round_no != b.round_no:
            return a.round_no < b.round_no
        if a.project != b.project:
            return a.project < b.project
        return a.need < b.need


cdef inline void sift_down(Item* heap, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    """Move heap[i] down to its place among the first n items."""
    cdef Item item = heap[i]
    cdef Py_ssize_t child
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        if child + 1 < n and less(&heap[child + 1], &heap[child]):
            child += 1
        if not less(&heap[child], &item):
            break
        heap[i] = heap[child]
        i = child
    heap[i] = item


cdef inline void heapify(Item* heap, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n // 2 - 1, -1, -1):
        sift_down(heap, n, i)


cdef inline void push(Item* heap, Py_ssize_t* n, Item item) noexcept nogil:
    """Add an item (the caller gives room for it)."""
    cdef Py_ssize_t i = n[0], parent
    n[0] += 1
    while i > 0:
        parent = (i - 1) // 2
        if not less(&item, &heap[parent]):
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = item


cdef inline Item pop(Item* heap, Py_ssize_t* n) noexcept nogil:
    """Take the least item out."""
    cdef Item top = heap[0]
    n[0] -= 1
    if n[0] > 0:
        heap[0] = heap[n[0]]
        sift_down(heap, n[0], 0)
    return top
