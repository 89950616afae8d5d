// Thread settings whose C functions Swift cannot reach: pthread_setname_np needs _GNU_SOURCE.
#define _GNU_SOURCE 1
#include "CProcess.h"
#include <pthread.h>
#include <errno.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif

void cprocess_name_current_thread(const char *name) {
#if defined(__linux__)
    pthread_setname_np(pthread_self(), name);
#elif defined(__APPLE__)
    pthread_setname_np(name);
#endif
}

#if defined(__linux__)
int cprocess_poller_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static uint32_t epoll_bits(int events) {
    return ((events & CPROCESS_POLL_IN) ? EPOLLIN : 0) | ((events & CPROCESS_POLL_OUT) ? EPOLLOUT : 0);
}

int cprocess_poller_watch(int poller, int fd, int events) {
    struct epoll_event event = {.events = epoll_bits(events), .data = {.fd = fd}};
    // MOD first: the usual case is a change of what an already watched socket waits for. ENOENT
    // means the number is new, or its earlier file was closed (the kernel forgets a closed file's
    // registration): add it. EEXIST on that add cannot leave a stale registration behind.
    if (epoll_ctl(poller, EPOLL_CTL_MOD, fd, &event) == 0) return 0;
    if (errno != ENOENT) return errno;
    if (epoll_ctl(poller, EPOLL_CTL_ADD, fd, &event) == 0) return 0;
    return errno;
}

int cprocess_poller_unwatch(int poller, int fd) {
    struct epoll_event event = {0};
    return epoll_ctl(poller, EPOLL_CTL_DEL, fd, &event) == 0 ? 0 : errno;
}

int cprocess_poller_wait(int poller, int *fds, int *events, int capacity, int timeout_ms) {
    struct epoll_event ready[256];
    if (capacity > 256) capacity = 256;
    int count = epoll_wait(poller, ready, capacity, timeout_ms);
    if (count < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < count; i++) {
        fds[i] = ready[i].data.fd;
        events[i] = ((ready[i].events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) ? CPROCESS_POLL_IN : 0)
            | ((ready[i].events & EPOLLOUT) ? CPROCESS_POLL_OUT : 0)
            | ((ready[i].events & EPOLLERR) ? CPROCESS_POLL_ERROR : 0);
    }
    return count;
}

int cprocess_event_create(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

void cprocess_event_signal(int fd) {
    uint64_t one = 1;
    ssize_t written = write(fd, &one, sizeof one);
    (void)written;  // EAGAIN: the counter is already readable, which is all a signal asks
}

void cprocess_event_drain(int fd) {
    uint64_t count;
    ssize_t got = read(fd, &count, sizeof count);
    (void)got;  // EAGAIN: nothing was signalled
}
#endif
