// Process and thread settings whose C functions Swift cannot reach: pthread_setname_np needs
// _GNU_SOURCE, and glibc's malloc.h is not part of Swift's Glibc module.
#define _GNU_SOURCE 1
#include "CProcess.h"
#include <pthread.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void cprocess_name_current_thread(const char *name) {
#if defined(__linux__)
    pthread_setname_np(pthread_self(), name);
#elif defined(__APPLE__)
    pthread_setname_np(name);
#endif
}

int cprocess_keep_freed_memory(size_t bytes) {
#if defined(__GLIBC__)
    return mallopt(M_TRIM_THRESHOLD, (int)bytes);
#else
    (void)bytes;
    return 0;
#endif
}
