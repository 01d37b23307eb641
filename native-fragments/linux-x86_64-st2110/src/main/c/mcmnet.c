/*
 * libmcmnet: thin, stateless UDP helpers for the ST 2110 transport (batch sending with UDP generic
 * segmentation offload, batch receiving with receive offload; the pixel conversion is in mcmconv.c). All protocol
 * logic stays in Java. Every function returns >= 0 on success and
 * -errno on failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

#define API __attribute__((visibility("default")))

API int mcmnet_abi_version(void) { return 5; }

/* An IPv4 UDP socket bound to src:src_port and connected to dst:dst_port (all in host byte order except the
 * addresses, given as dotted text). For a multicast destination, ttl and the outgoing interface (by src) apply. */
API int mcmnet_udp_open(const char *src, int src_port, const char *dst, int dst_port, int ttl, int sndbuf) {
    struct sockaddr_in s, d;
    memset(&s, 0, sizeof s);
    memset(&d, 0, sizeof d);
    s.sin_family = AF_INET;
    d.sin_family = AF_INET;
    s.sin_port = htons((uint16_t)src_port);
    d.sin_port = htons((uint16_t)dst_port);
    if (inet_pton(AF_INET, src, &s.sin_addr) != 1 || inet_pton(AF_INET, dst, &d.sin_addr) != 1) {
        return -EINVAL;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) != 0) {
        goto fail;
    }
    if (IN_MULTICAST(ntohl(d.sin_addr.s_addr))) {
        unsigned char t = (unsigned char)ttl;
        unsigned char loop = 1;
        if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &t, sizeof t) != 0
                || setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) != 0
                || setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &s.sin_addr, sizeof s.sin_addr) != 0) {
            goto fail;
        }
    }
    if (bind(fd, (struct sockaddr *)&s, sizeof s) != 0 || connect(fd, (struct sockaddr *)&d, sizeof d) != 0) {
        goto fail;
    }
    return fd;
fail:;
    int e = errno;
    close(fd);
    return -e;
}

/* 1 when the kernel accepts UDP_SEGMENT of this size on the socket, else -errno. */
API int mcmnet_gso_probe(int fd, int segment) {
    int v = segment;
    if (setsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, sizeof v) != 0) {
        return -errno;
    }
    v = 0;
    setsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, sizeof v);
    return 1;
}

/* Sends the concatenation of iovcnt buffers (addresses and lengths in two arrays) as one datagram, or, with
 * segment > 0, as datagrams of segment bytes each (the last may be shorter) in one system call. */
API long mcmnet_send(int fd, const int64_t *addrs, const int32_t *lens, int iovcnt, int segment) {
    struct iovec iov[256];
    if (iovcnt <= 0 || iovcnt > 256) {
        return -EINVAL;
    }
    for (int i = 0; i < iovcnt; i++) {
        iov[i].iov_base = (void *)(intptr_t)addrs[i];
        iov[i].iov_len = (size_t)lens[i];
    }
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = iov;
    m.msg_iovlen = (size_t)iovcnt;
    char control[CMSG_SPACE(sizeof(uint16_t))];
    if (segment > 0) {
        memset(control, 0, sizeof control);
        m.msg_control = control;
        m.msg_controllen = sizeof control;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t seg = (uint16_t)segment;
        memcpy(CMSG_DATA(c), &seg, sizeof seg);
    }
    ssize_t n;
    do {
        n = sendmsg(fd, &m, 0);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : (long)n;
}

/* Largest number of messages and of buffers in all that one mcmnet_send_multi call takes (the arrays live on the
 * caller's stack: 32 KiB of iovecs). */
#define MULTI_MSGS 32
#define MULTI_IOV 2048

API int mcmnet_send_multi_limits(int which) { return which == 0 ? MULTI_MSGS : MULTI_IOV; }

/* Sends nmsg messages with sendmmsg, each as mcmnet_send would: message k is the concatenation of the next
 * iovcnts[k] buffers of addrs/lens and, with segs[k] > 0, is cut by the kernel into datagrams of segs[k] bytes
 * (UDP_SEGMENT, one control message each). Calls sendmmsg again until every message went. Returns nmsg, or -errno
 * of the first message the kernel refused; *sent is then the number of messages that went before it. */
API int mcmnet_send_multi(int fd, const int64_t *addrs, const int32_t *lens, const int32_t *iovcnts,
        const int32_t *segs, int nmsg, int32_t *sent) {
    struct mmsghdr msgs[MULTI_MSGS];
    struct iovec iov[MULTI_IOV];
    char control[MULTI_MSGS][CMSG_SPACE(sizeof(uint16_t))];
    *sent = 0;
    if (nmsg <= 0 || nmsg > MULTI_MSGS) {
        return -EINVAL;
    }
    memset(msgs, 0, sizeof(struct mmsghdr) * (size_t)nmsg);
    int at = 0;
    for (int k = 0; k < nmsg; k++) {
        int cnt = iovcnts[k];
        if (cnt <= 0 || cnt > MULTI_IOV - at) {
            return -EINVAL;
        }
        for (int i = 0; i < cnt; i++) {
            iov[at + i].iov_base = (void *)(intptr_t)addrs[at + i];
            iov[at + i].iov_len = (size_t)lens[at + i];
        }
        struct msghdr *m = &msgs[k].msg_hdr;
        m->msg_iov = &iov[at];
        m->msg_iovlen = (size_t)cnt;
        at += cnt;
        if (segs[k] > 0) {
            memset(control[k], 0, sizeof control[k]);
            m->msg_control = control[k];
            m->msg_controllen = sizeof control[k];
            struct cmsghdr *c = CMSG_FIRSTHDR(m);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t seg = (uint16_t)segs[k];
            memcpy(CMSG_DATA(c), &seg, sizeof seg);
        }
    }
    int done = 0;
    while (done < nmsg) {
        int n = sendmmsg(fd, msgs + done, (unsigned)(nmsg - done), 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            *sent = done;
            return -errno;
        }
        done += n;
    }
    *sent = done;
    return done;
}

/* An IPv4 UDP socket receiving on port: bound to bind_ip (unicast), or to any address with a join of group on the
 * interface that has if_ip (multicast; group NULL or empty for none). */
API int mcmnet_udp_bind(const char *bind_ip, int port, const char *group, const char *if_ip, int rcvbuf) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    int mcast = group != NULL && group[0] != 0;
    if (mcast) {
        a.sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (inet_pton(AF_INET, bind_ip, &a.sin_addr) != 1) {
        return -EINVAL;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
        goto fail;
    }
    /* with CAP_NET_ADMIN the size asked for is taken as is (a 1080p frame is ~5 MB, net.core.rmem_max often 4 MiB);
       otherwise the kernel caps it at rmem_max */
    if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0
            && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0) {
        goto fail;
    }
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        goto fail;
    }
    if (mcast) {
        struct ip_mreq m;
        memset(&m, 0, sizeof m);
        if (inet_pton(AF_INET, group, &m.imr_multiaddr) != 1 || inet_pton(AF_INET, if_ip, &m.imr_interface) != 1) {
            close(fd);
            return -EINVAL;
        }
        if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) != 0) {
            goto fail;
        }
    }
    return fd;
fail:;
    int e = errno;
    close(fd);
    return -e;
}

/* Waits up to timeout_ms for datagrams, then receives up to n messages with one recvmmsg into consecutive slots of
 * slot bytes starting at base; their lengths go to lens (-1: cut to the slot). With segs, each message's UDP_GRO
 * segment size goes there (0: a single datagram). Returns the count (0 on timeout) or -errno. */
static int recv_slots(int fd, int64_t base, int slot, int n, int32_t *lens, int32_t *segs, int timeout_ms) {
    struct mmsghdr msgs[64];
    struct iovec iov[64];
    char control[64][CMSG_SPACE(sizeof(int))];
    if (n <= 0 || n > 64 || slot <= 0) {
        return -EINVAL;
    }
    memset(msgs, 0, sizeof(struct mmsghdr) * (size_t)n);
    for (int i = 0; i < n; i++) {
        iov[i].iov_base = (void *)(intptr_t)(base + (int64_t)i * slot);
        iov[i].iov_len = (size_t)slot;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        if (segs != NULL) {
            msgs[i].msg_hdr.msg_control = control[i];
            msgs[i].msg_hdr.msg_controllen = sizeof control[i];
        }
    }
    /* what is queued already is taken without a poll; only when nothing is does it wait for the next */
    int got = recvmmsg(fd, msgs, (unsigned)n, MSG_DONTWAIT, NULL);
    if (got < 0 && errno == EAGAIN) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, timeout_ms);
        if (r < 0) {
            return errno == EINTR ? 0 : -errno;
        }
        if (r == 0) {
            return 0;
        }
        got = recvmmsg(fd, msgs, (unsigned)n, MSG_DONTWAIT, NULL);
    }
    if (got < 0) {
        return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
    }
    for (int i = 0; i < got; i++) {
        /* a message longer than its slot is cut: report it as oversized so the caller drops it */
        lens[i] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? -1 : (int32_t)msgs[i].msg_len;
        if (segs == NULL) {
            continue;
        }
        segs[i] = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c != NULL; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
                int v;
                memcpy(&v, CMSG_DATA(c), sizeof v);
                segs[i] = v;
            }
        }
    }
    return got;
}

/* One datagram per slot, up to n per call. */
API int mcmnet_recv_batch(int fd, int64_t base, int slot, int n, int32_t *lens, int timeout_ms) {
    return recv_slots(fd, base, slot, n, lens, NULL, timeout_ms);
}

/* Asks the kernel to hand this socket coalesced datagrams (UDP_GRO): a run of same-size datagrams of one flow
 * arrives as one buffer, with the size of each in a UDP_GRO control message. 0, or -errno when unsupported. */
API int mcmnet_udp_gro(int fd, int on) {
    return setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof on) == 0 ? 0 : -errno;
}

/* On a UDP_GRO socket: each slot receives one buffer of one or more datagrams; segs[i] is the size of each
 * datagram in it (the last may be shorter), 0 for a single datagram. */
API int mcmnet_recv_gro(int fd, int64_t base, int slot, int n, int32_t *lens, int32_t *segs, int timeout_ms) {
    return recv_slots(fd, base, slot, n, lens, segs, timeout_ms);
}

/* The receive buffer the kernel granted the socket (SO_RCVBUF as Linux reports it: twice the size set, since it
 * counts the kernel's bookkeeping of each buffered datagram too), or -errno. */
API int mcmnet_rcvbuf(int fd) {
    int v = 0;
    socklen_t l = sizeof v;
    return getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &l) == 0 ? v : -errno;
}

API int mcmnet_close(int fd) { return close(fd) == 0 ? 0 : -errno; }
