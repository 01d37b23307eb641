/*
 * libmcmnet: thin, stateless UDP helpers for the ST 2110 transport (batch sending with UDP generic
 * segmentation offload). All protocol logic stays in Java. Every function returns >= 0 on success and
 * -errno on failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

#define API __attribute__((visibility("default")))

API int mcmnet_abi_version(void) { return 1; }

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

API int mcmnet_close(int fd) { return close(fd) == 0 ? 0 : -errno; }
