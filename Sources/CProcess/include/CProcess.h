#ifndef CPROCESS_H
#define CPROCESS_H

#include <stddef.h>

/// Names the calling thread for `top -H`, `perf` and `ps -L` (the kernel keeps 15 bytes). A new
/// thread otherwise inherits its creator's name, often a Dispatch worker's.
void cprocess_name_current_thread(const char *name);

/// Lets each glibc heap keep up to `bytes` of free memory at its top instead of handing it back
/// to the kernel (`M_TRIM_THRESHOLD`); returns 0 where that is not possible.
int cprocess_keep_freed_memory(size_t bytes);

#endif
