/*
 * libmcmrtsp: thin, stateless UDP send helpers for the RTSP server of the rtsp transport. The Java side builds the
 * RTP headers and groups the packets; this file only hands them to the kernel: every message of a batch (one access
 * unit to every UDP client) in one sendmmsg, each message optionally a run of equal-size datagrams sent with UDP
 * generic segmentation offload. All protocol logic stays in Java. Every function returns >= 0 on success and -errno
 * on failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdlib.h>
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
#define MAX_MSGS 4096
#define MAX_IOVS 65536
#define MSG_FIELDS 5

API int mcmrtsp_abi_version(void) { return 1; }

/* An unconnected IPv4 UDP socket bound to bind_ip:port (port 0: any), with the send buffer asked for. */
API int mcmrtsp_udp_open(const char *bind_ip, int port, int sndbuf) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, bind_ip, &a.sin_addr) != 1) {
        return -EINVAL;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) != 0) {
        goto fail;
    }
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        goto fail;
    }
    return fd;
fail:;
    int e = errno;
    close(fd);
    return -e;
}

/* The port a socket is bound to, or -errno. */
API int mcmrtsp_local_port(int fd) {
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &l) != 0) {
        return -errno;
    }
    return ntohs(a.sin_port);
}

/* 1 when the kernel accepts UDP_SEGMENT of this size on the socket, else -errno. */
API int mcmrtsp_gso_probe(int fd, int segment) {
    int v = segment;
    if (setsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, sizeof v) != 0) {
        return -errno;
    }
    v = 0;
    setsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, sizeof v);
    return 1;
}

/*
 * Sends nmsg messages with as few sendmmsg calls as the kernel allows. Message i is described by five ints at
 * msgs[5 i]: its first iovec index, its iovec count, the IPv4 destination (host byte order), the destination port,
 * and the segment size (> 0: the message is a run of datagrams of that size, the last may be shorter; 0: one
 * datagram). iovec k is iov_addrs[k], iov_lens[k]. results[i] becomes 1 when message i was sent, else -errno (the
 * other messages are still sent). Returns how many failed, or -errno when the arguments are wrong.
 */
API int mcmrtsp_send_batch(int fd, const int64_t *iov_addrs, const int32_t *iov_lens, int niov, const int32_t *msgs,
                           int nmsg, int32_t *results) {
    if (nmsg <= 0 || nmsg > MAX_MSGS || niov <= 0 || niov > MAX_IOVS) {
        return -EINVAL;
    }
    size_t cspace = CMSG_SPACE(sizeof(uint16_t));
    struct mmsghdr *h = calloc((size_t)nmsg, sizeof *h);
    struct sockaddr_in *dst = calloc((size_t)nmsg, sizeof *dst);
    struct iovec *iov = malloc((size_t)niov * sizeof *iov);
    char *control = calloc((size_t)nmsg, cspace);
    if (h == NULL || dst == NULL || iov == NULL || control == NULL) {
        free(h);
        free(dst);
        free(iov);
        free(control);
        return -ENOMEM;
    }
    for (int k = 0; k < niov; k++) {
        iov[k].iov_base = (void *)(intptr_t)iov_addrs[k];
        iov[k].iov_len = (size_t)iov_lens[k];
    }
    int bad = 0;
    for (int i = 0; i < nmsg; i++) {
        const int32_t *m = msgs + (size_t)i * MSG_FIELDS;
        if (m[0] < 0 || m[1] <= 0 || m[1] > 1024 || m[0] + m[1] > niov || m[3] <= 0 || m[3] > 65535 || m[4] < 0
                || m[4] > 65535) {
            bad = 1;
            break;
        }
        dst[i].sin_family = AF_INET;
        dst[i].sin_addr.s_addr = htonl((uint32_t)m[2]);
        dst[i].sin_port = htons((uint16_t)m[3]);
        struct msghdr *mh = &h[i].msg_hdr;
        mh->msg_name = &dst[i];
        mh->msg_namelen = sizeof dst[i];
        mh->msg_iov = &iov[m[0]];
        mh->msg_iovlen = (size_t)m[1];
        if (m[4] > 0) {
            char *c = control + (size_t)i * cspace;
            mh->msg_control = c;
            mh->msg_controllen = cspace;
            struct cmsghdr *cm = CMSG_FIRSTHDR(mh);
            cm->cmsg_level = SOL_UDP;
            cm->cmsg_type = UDP_SEGMENT;
            cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t seg = (uint16_t)m[4];
            memcpy(CMSG_DATA(cm), &seg, sizeof seg);
        }
    }
    int failed = 0;
    if (!bad) {
        int i = 0;
        while (i < nmsg) {
            int r = sendmmsg(fd, &h[i], (unsigned)(nmsg - i), 0);
            if (r <= 0) {
                if (r < 0 && errno == EINTR) {
                    continue;
                }
                /* the message at i failed (e.g. a destination the route refuses): note it, go on with the rest */
                results[i] = r < 0 ? -errno : -EIO;
                failed++;
                i++;
                continue;
            }
            for (int k = 0; k < r; k++) {
                results[i + k] = 1;
            }
            i += r;
        }
    }
    free(h);
    free(dst);
    free(iov);
    free(control);
    return bad ? -EINVAL : failed;
}

API int mcmrtsp_close(int fd) { return close(fd) == 0 ? 0 : -errno; }
