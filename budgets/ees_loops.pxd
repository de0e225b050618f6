# The compiled tables' C side, for budgets/ees_rounds.pyx (budgets/ees_loops.pyx says what they hold).

cdef double TOL_C


cdef class Table:
    cdef readonly int round_no
    cdef Py_ssize_t* _classes
    cdef long long* _ends
    cdef double* _value
    cdef double* _suffix
    cdef Py_ssize_t size
    cdef dict exact
    cdef object spent

    cdef int _allocate(self, Py_ssize_t size, int round_no, spent) except -1
    cdef Py_ssize_t _first_with(self, long long need) noexcept
    cdef double _lower_bound(self, long long need) noexcept
    cdef long long _payers(self, per_voter, double per_voter_f, cost) except -1
    cdef Py_ssize_t _paying(self, long long k) except -1


cdef Table build_table(
    const int* type_class,
    const Py_ssize_t* supporters,
    const double* many,
    Py_ssize_t n,
    double* cells,
    Py_ssize_t classes,
    cost,
    int round_no,
    spent,
)
cdef Py_ssize_t move_types(
    int* type_class,
    const Py_ssize_t* supporters,
    Py_ssize_t n,
    const Py_ssize_t* payers,
    Py_ssize_t paying,
    int first,
    int* moved,
    int* log,
    Py_ssize_t at,
) except -1
cdef void undo_types(int* type_class, const int* moves, Py_ssize_t n, const Py_ssize_t* parent) noexcept
