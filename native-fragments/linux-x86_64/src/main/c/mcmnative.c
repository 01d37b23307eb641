/*
 * mcmnative: thin, stateless Linux syscall helpers for the Java memif implementation (org.mcm.memif).
 *
 * Every function returns a non-negative result on success and -errno on failure, so the Java side never
 * needs errno. No function keeps state, allocates, or knows anything about the memif protocol.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define MCM_ABI_VERSION 2

#define EXPORT __attribute__((visibility("default")))

EXPORT int mcm_abi_version(void) { return MCM_ABI_VERSION; }

EXPORT int mcm_memfd_create(const char *name, unsigned int flags)
{
    int fd = (int)syscall(SYS_memfd_create, name, flags);
    return fd < 0 ? -errno : fd;
}

EXPORT int mcm_add_seals(int fd, int seals)
{
    return fcntl(fd, F_ADD_SEALS, seals) < 0 ? -errno : 0;
}

EXPORT int mcm_get_seals(int fd)
{
    int s = fcntl(fd, F_GET_SEALS);
    return s < 0 ? -errno : s;
}

EXPORT int mcm_ftruncate(int fd, int64_t size)
{
    return ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
}

/* Size of the object behind fd (st_size), or -errno. */
EXPORT int64_t mcm_fstat_size(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    return (int64_t)st.st_size;
}

/* Maps size bytes of fd at offset 0, shared, read/write. Writes the address to *addr. */
EXPORT int mcm_mmap(int fd, int64_t size, int64_t *addr)
{
    void *p;
    if (size <= 0)
        return -EINVAL;
    p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return -errno;
    *addr = (int64_t)(intptr_t)p;
    return 0;
}

/* Maps size bytes of fd at offset 0, shared, read only (for an fd opened read only). */
EXPORT int mcm_mmap_ro(int fd, int64_t size, int64_t *addr)
{
    void *p;
    if (size <= 0)
        return -EINVAL;
    p = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return -errno;
    *addr = (int64_t)(intptr_t)p;
    return 0;
}

/*
 * A new, read-only open file description of the object behind fd (through /proc/self/fd), close-on-exec.
 * A peer given this fd can map the memory for reading only, whatever it tries.
 */
EXPORT int mcm_reopen_ro(int fd)
{
    char path[64];
    int r;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    r = open(path, O_RDONLY | O_CLOEXEC);
    return r < 0 ? -errno : r;
}

EXPORT int mcm_munmap(int64_t addr, int64_t size)
{
    return munmap((void *)(intptr_t)addr, (size_t)size) < 0 ? -errno : 0;
}

EXPORT int mcm_close(int fd)
{
    return close(fd) < 0 ? -errno : 0;
}

EXPORT int mcm_seqpacket_socket(void)
{
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
}

/* Fills *sa from a path (abstract when abstract != 0: leading NUL, length without trailing NUL). */
static int make_addr(struct sockaddr_un *sa, const char *path, int abstract, socklen_t *len)
{
    size_t n = strlen(path);
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (abstract) {
        if (n + 1 > sizeof(sa->sun_path))
            return -ENAMETOOLONG;
        memcpy(sa->sun_path + 1, path, n);
        *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
    } else {
        if (n + 1 > sizeof(sa->sun_path))
            return -ENAMETOOLONG;
        memcpy(sa->sun_path, path, n);
        *len = (socklen_t)sizeof(*sa);
    }
    return 0;
}

EXPORT int mcm_bind_listen(int fd, const char *path, int abstract, int backlog)
{
    struct sockaddr_un sa;
    socklen_t len;
    int r = make_addr(&sa, path, abstract, &len);
    if (r < 0)
        return r;
    if (bind(fd, (struct sockaddr *)&sa, len) < 0)
        return -errno;
    if (listen(fd, backlog) < 0)
        return -errno;
    return 0;
}

EXPORT int mcm_connect(int fd, const char *path, int abstract)
{
    struct sockaddr_un sa;
    socklen_t len;
    int r = make_addr(&sa, path, abstract, &len);
    if (r < 0)
        return r;
    return connect(fd, (struct sockaddr *)&sa, len) < 0 ? -errno : 0;
}

/* Non-blocking accept; the new socket is close-on-exec. */
EXPORT int mcm_accept(int fd)
{
    int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    return c < 0 ? -errno : c;
}

EXPORT int mcm_set_nonblock(int fd, int on)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -errno;
    fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
    return fcntl(fd, F_SETFL, fl) < 0 ? -errno : 0;
}

/*
 * Sends one datagram of len bytes; passes pass_fd with SCM_RIGHTS when pass_fd >= 0.
 * Never blocks and never raises SIGPIPE. Returns the bytes sent or -errno.
 */
EXPORT int mcm_sendmsg(int fd, const void *buf, int len, int pass_fd)
{
    struct msghdr mh;
    struct iovec iov;
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    ssize_t n;

    memset(&mh, 0, sizeof(mh));
    iov.iov_base = (void *)buf;
    iov.iov_len = (size_t)len;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (pass_fd >= 0) {
        struct cmsghdr *c;
        memset(&ctl, 0, sizeof(ctl));
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof(ctl.buf);
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
    return n < 0 ? -errno : (int)n;
}

/*
 * Receives one datagram into buf (cap bytes) without blocking. File descriptors that arrive with
 * SCM_RIGHTS are stored in fds (at most max_fds; any beyond that are closed) and counted in *nfds.
 * *msg_flags receives msghdr.msg_flags (MSG_TRUNC / MSG_CTRUNC tell the caller the peer sent too much).
 * Returns the datagram length (0 = peer closed) or -errno.
 */
EXPORT int mcm_recvmsg(int fd, void *buf, int cap, int *fds, int max_fds, int *nfds, int *msg_flags)
{
    struct msghdr mh;
    struct iovec iov;
    union {
        char buf[CMSG_SPACE(sizeof(int) * 16)];
        struct cmsghdr align;
    } ctl;
    struct cmsghdr *c;
    ssize_t n;
    int count = 0;

    memset(&mh, 0, sizeof(mh));
    iov.iov_base = buf;
    iov.iov_len = (size_t)cap;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof(ctl.buf);
    *nfds = 0;
    *msg_flags = 0;
    n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0)
        return -errno;
    for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            size_t i;
            for (i = 0; i < k; i++) {
                int f;
                memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                if (count < max_fds)
                    fds[count++] = f;
                else
                    close(f);
            }
        }
    }
    *nfds = count;
    *msg_flags = mh.msg_flags;
    return (int)n;
}

EXPORT int mcm_eventfd(unsigned int initval, int flags)
{
    int fd = eventfd(initval, flags);
    return fd < 0 ? -errno : fd;
}

EXPORT int mcm_eventfd_write(int fd, int64_t value)
{
    uint64_t v = (uint64_t)value;
    ssize_t n = write(fd, &v, sizeof(v));
    return n < 0 ? -errno : 0;
}

/* Reads (and so resets) a non-blocking eventfd; returns 0 with *value set, or -errno (-EAGAIN when zero). */
EXPORT int mcm_eventfd_read(int fd, int64_t *value)
{
    uint64_t v = 0;
    ssize_t n = read(fd, &v, sizeof(v));
    if (n < 0)
        return -errno;
    *value = (int64_t)v;
    return 0;
}

/*
 * poll(2) over parallel arrays: fds[i] with events[i]; revents[i] receives the result.
 * Returns the number of ready fds, 0 on timeout, or -errno (-EINTR included).
 */
EXPORT int mcm_poll(const int *fds, const short *events, short *revents, int n, int timeout_ms)
{
    struct pollfd p[256];
    int i, r;
    if (n < 0 || n > 256)
        return -EINVAL;
    for (i = 0; i < n; i++) {
        p[i].fd = fds[i];
        p[i].events = events[i];
        p[i].revents = 0;
    }
    r = poll(p, (nfds_t)n, timeout_ms);
    if (r < 0)
        return -errno;
    for (i = 0; i < n; i++)
        revents[i] = p[i].revents;
    return r;
}

/* Waits up to timeout_ms for fd to become readable: 1 ready, 0 timeout, -errno. */
EXPORT int mcm_poll_in2(int fd1, int fd2, int timeout_ms)
{
    struct pollfd p[2];
    int r;
    p[0].fd = fd1;
    p[0].events = POLLIN;
    p[0].revents = 0;
    p[1].fd = fd2;
    p[1].events = POLLIN;
    p[1].revents = 0;
    r = poll(p, fd2 >= 0 ? 2 : 1, timeout_ms);
    if (r < 0)
        return -errno;
    return r;
}

/* Raw write, for tests that craft hostile traffic. */
EXPORT int mcm_write(int fd, const void *buf, int len)
{
    ssize_t n = write(fd, buf, (size_t)len);
    return n < 0 ? -errno : (int)n;
}
