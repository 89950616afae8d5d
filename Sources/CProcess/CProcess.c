// Thread settings whose C functions Swift cannot reach: pthread_setname_np needs _GNU_SOURCE.
#define _GNU_SOURCE 1
#include "CProcess.h"
#include <pthread.h>

void cprocess_name_current_thread(const char *name) {
#if defined(__linux__)
    pthread_setname_np(pthread_self(), name);
#elif defined(__APPLE__)
    pthread_setname_np(name);
#endif
}
