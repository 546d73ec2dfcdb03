/*
 * mmsg_udp_echo: a UDP echo server batching with recvmmsg/sendmmsg, up to 64 datagrams per
 * call each way: the practical limit for datagrams on Linux, the baseline of sockit's
 * batched UDP mode.
 *
 *     mmsg_udp_echo <port>
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define DATAGRAM 65536

int main(int argc, char *argv[]) {
    static char buffers[BATCH][DATAGRAM];
    struct mmsghdr msgs[BATCH];
    struct iovec iovecs[BATCH];
    struct sockaddr_in6 addrs[BATCH], addr;
    int sock, zero = 0;

    if (argc != 2) {
        fprintf(stderr, "USAGE: mmsg_udp_echo <port>\n");
        return 1;
    }
    if ((sock = socket(AF_INET6, SOCK_DGRAM, 0)) < 0) {
        perror("socket");
        return 1;
    }
    setsockopt(sock, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    memset(&addr, 0, sizeof addr);
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_any;
    addr.sin6_port = htons((unsigned short)atoi(argv[1]));
    if (bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("bind");
        return 1;
    }
    for (;;) {
        int n, sent = 0;
        for (int i = 0; i < BATCH; i++) {
            iovecs[i].iov_base = buffers[i];
            iovecs[i].iov_len = DATAGRAM;
            memset(&msgs[i], 0, sizeof msgs[i]);
            msgs[i].msg_hdr.msg_iov = &iovecs[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &addrs[i];
            msgs[i].msg_hdr.msg_namelen = sizeof addrs[i];
        }
        /* Wait for the first datagram, then take whatever else is already there */
        n = recvmmsg(sock, msgs, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) {
            continue;
        }
        for (int i = 0; i < n; i++) {
            iovecs[i].iov_len = msgs[i].msg_len;
        }
        while (sent < n) {
            int r = sendmmsg(sock, msgs + sent, (unsigned int)(n - sent), 0);
            if (r <= 0) {
                break; /* drop the rest of the batch, as a full buffer would */
            }
            sent += r;
        }
    }
}
