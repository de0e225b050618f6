# The two heaps of an Exact Equal Shares round (budgets/ees_rounds.pyx), as C structs and inline
# functions: projects by a lower bound on their rho, and (round, project) pairs by a lower bound on
# the per-voter budget at which they change the round. Both order ties as Python's tuples would.

cdef struct Entry:
    double key  # a lower bound on the project's rho
    Py_ssize_t project


cdef struct Pair:
    double bound  # a lower bound on the per-voter budget at which the project changes the round
    Py_ssize_t round_no
    Py_ssize_t project
    long long need  # the payers it needs


cdef inline bint entry_less(const Entry* a, const Entry* b) noexcept nogil:
    return a.key < b.key or (a.key == b.key and a.project < b.project)


cdef inline bint pair_less(const Pair* a, const Pair* b) noexcept nogil:
    if a.bound != b.bound:
        return a.bound < b.bound
    if a.round_no != b.round_no:
        return a.round_no < b.round_no
    if a.project != b.project:
        return a.project < b.project
    return a.need < b.need


cdef inline void entry_down(Entry* heap, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    cdef Entry item = heap[i]
    cdef Py_ssize_t child
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        if child + 1 < n and entry_less(&heap[child + 1], &heap[child]):
            child += 1
        if not entry_less(&heap[child], &item):
            break
        heap[i] = heap[child]
        i = child
    heap[i] = item


cdef inline void entry_push(Entry* heap, Py_ssize_t* n, Entry item) noexcept nogil:
    cdef Py_ssize_t i = n[0], parent
    n[0] += 1
    while i > 0:
        parent = (i - 1) // 2
        if not entry_less(&item, &heap[parent]):
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = item


cdef inline Entry entry_pop(Entry* heap, Py_ssize_t* n) noexcept nogil:
    cdef Entry top = heap[0]
    n[0] -= 1
    if n[0] > 0:
        heap[0] = heap[n[0]]
        entry_down(heap, n[0], 0)
    return top


cdef inline void pair_down(Pair* heap, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    cdef Pair item = heap[i]
    cdef Py_ssize_t child
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        if child + 1 < n and pair_less(&heap[child + 1], &heap[child]):
            child += 1
        if not pair_less(&heap[child], &item):
            break
        heap[i] = heap[child]
        i = child
    heap[i] = item


cdef inline void pair_push(Pair* heap, Py_ssize_t* n, Pair item) noexcept nogil:
    cdef Py_ssize_t i = n[0], parent
    n[0] += 1
    while i > 0:
        parent = (i - 1) // 2
        if not pair_less(&item, &heap[parent]):
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = item


cdef inline Pair pair_pop(Pair* heap, Py_ssize_t* n) noexcept nogil:
    cdef Pair top = heap[0]
    n[0] -= 1
    if n[0] > 0:
        heap[0] = heap[n[0]]
        pair_down(heap, n[0], 0)
    return top
