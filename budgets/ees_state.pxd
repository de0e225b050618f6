# The state of an Exact Equal Shares run, for the compiled sweep (budgets/ees_rounds.pyx);
# budgets/ees_state.pyx says what each part holds.

from budgets.ees_loops cimport Table


cdef void* grown(void* block, Py_ssize_t size) except NULL


cdef class EesState:
    cdef readonly object problem
    cdef object arrays
    cdef Py_ssize_t projects, types
    cdef list costs, scale
    cdef bint cost_utility
    cdef double* cost_f
    cdef double* scale_f
    cdef long long* supporters
    cdef long long* rank
    cdef const Py_ssize_t* sup_types
    cdef const double* sup_many
    cdef const Py_ssize_t* sup_start
    cdef object b
    cdef double b_f
    cdef Py_ssize_t size, capacity
    cdef double* cells
    cdef Py_ssize_t* parent
    cdef int* moved
    cdef dict exact_spent
    cdef list batch_start, batch_share
    cdef int* type_class
    cdef char* type_mark
    cdef int* moves
    cdef Py_ssize_t logged, moves_capacity
    cdef Py_ssize_t* log_at
    cdef readonly int started
    cdef list tables
    cdef object spent_of

    cdef int _set_budget(self, per_voter) except -1
    cdef int _start_round(self) except -1
    cdef Table _exactly(self, Py_ssize_t p, int round_no)
    cdef Table _latest(self, Py_ssize_t p, int round_no)
    cdef Table _table(self, Py_ssize_t p, int round_no)
    cdef int _pay(self, Py_ssize_t p, Table table, long long k) except -1
    cdef int _pay_types(self, Py_ssize_t p, const int* types, Py_ssize_t n, long long k) except -1
    cdef double _share_f(self, Py_ssize_t p, long long k) except? -1.0
    cdef int _reserve_moves(self, Py_ssize_t n) except -1
    cdef int _unpay(self, Py_ssize_t log_start, Py_ssize_t size) except -1
    cdef int _reserve_classes(self, Py_ssize_t size) except -1
    cdef int _forget_from(self, int round_no, Py_ssize_t classes) except -1
