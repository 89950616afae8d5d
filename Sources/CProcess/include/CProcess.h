#ifndef CPROCESS_H
#define CPROCESS_H

#include <stddef.h>

/// Names the calling thread for `top -H`, `perf` and `ps -L` (the kernel keeps 15 bytes). A new
/// thread otherwise inherits its creator's name, often a Dispatch worker's.
void cprocess_name_current_thread(const char *name);

#endif
