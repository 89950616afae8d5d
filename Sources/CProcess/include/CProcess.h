#ifndef CPROCESS_H
#define CPROCESS_H

#include <stddef.h>
#include <stdint.h>

/// Names the calling thread for `top -H`, `perf` and `ps -L` (the kernel keeps 15 bytes). A new
/// thread otherwise inherits its creator's name, often a Dispatch worker's.
void cprocess_name_current_thread(const char *name);

/// Readiness bits of `cprocess_poller_*`, the same on every platform this builds for.
enum {
    CPROCESS_POLL_IN = 1,
    CPROCESS_POLL_OUT = 2,
    CPROCESS_POLL_ERROR = 4,
};

/// A new level-triggered poller (epoll on Linux, close-on-exec); -1 and errno when none.
int cprocess_poller_create(void);
/// Watches `fd` for `events` (CPROCESS_POLL_IN | CPROCESS_POLL_OUT), or changes what it is watched
/// for: a descriptor number the poller still holds for a file that was closed is replaced, a new
/// one added. Returns 0, or the errno.
int cprocess_poller_watch(int poller, int fd, int events);
/// Stops watching `fd`; 0, or the errno (ENOENT and EBADF when it was not watched or is closed).
int cprocess_poller_unwatch(int poller, int fd);
/// Waits up to `timeout_ms` (-1: forever) for ready descriptors; fills at most `capacity` pairs of
/// `fds` and readiness bits and returns their number (0 on timeout or EINTR), or -1 and errno.
int cprocess_poller_wait(int poller, int *fds, int *events, int capacity, int timeout_ms);

/// A new non-blocking, close-on-exec event counter (eventfd on Linux); -1 and errno when none.
int cprocess_event_create(void);
/// Makes the event counter readable (adds one); safe from any thread.
void cprocess_event_signal(int fd);
/// Resets the event counter, so it is readable again only after the next signal.
void cprocess_event_drain(int fd);

#endif
