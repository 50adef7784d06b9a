/* bio.c: MemoryBIO. STUB: being written. */
#include "pyssl.h"
int pyssl_bio_init(PyObject *module, pyssl_state *st) { return 0; }
