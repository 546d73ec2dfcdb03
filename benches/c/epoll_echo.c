/*
 * epoll_echo: a hand-written single-threaded epoll echo server, the practical limit of one
 * core and the main baseline of the benchmarks. Level-triggered; one 64 KiB read per
 * readiness report, written straight back; what the peer does not take is kept and sent
 * when it becomes writable, and reading pauses meanwhile.
 *
 *     epoll_echo <port>
 *     epoll_echo <path>      (a path starting with '/': a Unix domain socket there)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench_net.h"

#define BUFSIZE 65536
#define MAXEVENTS 1024

struct pending { /* bytes read but not yet taken by the peer */
    char *data;
    size_t len, off;
};

static struct pending *pendings; /* indexed by descriptor */
static size_t npendings;

static void close_conn(int ep, int fd) {
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    if ((size_t)fd < npendings) {
        free(pendings[fd].data);
        memset(&pendings[fd], 0, sizeof pendings[fd]);
    }
    close(fd);
}

static void watch(int ep, int fd, uint32_t events) {
    struct epoll_event ev = {.events = events, .data.fd = fd};
    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/* Sends what is pending; returns -1 when the connection failed. */
static int flush(int ep, int fd) {
    struct pending *p = &pendings[fd];
    while (p->off < p->len) {
        ssize_t n = send(fd, p->data + p->off, p->len - p->off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                return 0;
            }
            return -1;
        }
        p->off += (size_t)n;
    }
    free(p->data);
    memset(p, 0, sizeof *p);
    watch(ep, fd, EPOLLIN);
    return 0;
}

static int echo(int ep, int fd, char *buf) {
    ssize_t n = recv(fd, buf, BUFSIZE, 0), sent;
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        return -1;
    }
    if (n < 0) {
        return 0;
    }
    sent = send(fd, buf, (size_t)n, MSG_NOSIGNAL);
    if (sent < 0 && errno != EAGAIN) {
        return -1;
    }
    if (sent < 0) {
        sent = 0;
    }
    if (sent < n) { /* keep the rest until the peer takes it; stop reading meanwhile */
        struct pending *p = &pendings[fd];
        p->len = (size_t)(n - sent);
        p->off = 0;
        if ((p->data = malloc(p->len)) == NULL) {
            return -1;
        }
        memcpy(p->data, buf + sent, p->len);
        watch(ep, fd, EPOLLOUT);
    }
    return 0;
}

int main(int argc, char *argv[]) {
    static char buf[BUFSIZE];
    struct epoll_event ev, events[MAXEVENTS];
    int ep, listener, one = 1, unix_socket = 0;

    if (argc != 2) {
        fprintf(stderr, "USAGE: epoll_echo <port>|<path>\n");
        exit(1);
    }
    if (argv[1][0] == '/') {
        struct sockaddr_un local;
        if ((listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0) {
            Die("socket");
        }
        memset(&local, 0, sizeof local);
        local.sun_family = AF_UNIX;
        if (strlen(argv[1]) >= sizeof local.sun_path) {
            fprintf(stderr, "epoll_echo: path too long\n");
            exit(1);
        }
        strcpy(local.sun_path, argv[1]);
        unlink(argv[1]);
        if (bind(listener, (struct sockaddr *)&local, sizeof local) < 0 ||
            listen(listener, SOMAXCONN) < 0) {
            Die("bind/listen");
        }
        unix_socket = 1;
    } else {
        listener = listen_dual_stack(argv[1], SOCK_NONBLOCK);
    }
    if ((ep = epoll_create1(0)) < 0) {
        Die("epoll_create1");
    }
    ev.events = EPOLLIN;
    ev.data.fd = listener;
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    for (;;) {
        int n = epoll_wait(ep, events, MAXEVENTS, -1);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int conn;
                while ((conn = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if ((size_t)conn >= npendings) {
                        size_t grown = (size_t)conn * 2 + 64;
                        struct pending *more = realloc(pendings, grown * sizeof *more);
                        if (more == NULL) {
                            close(conn);
                            continue;
                        }
                        memset(more + npendings, 0, (grown - npendings) * sizeof *more);
                        pendings = more;
                        npendings = grown;
                    }
                    if (!unix_socket) {
                        setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    }
                    ev.events = EPOLLIN;
                    ev.data.fd = conn;
                    epoll_ctl(ep, EPOLL_CTL_ADD, conn, &ev);
                }
                continue;
            }
            if (events[i].events & EPOLLOUT) {
                if (flush(ep, fd) < 0) {
                    close_conn(ep, fd);
                }
                continue;
            }
            if (echo(ep, fd, buf) < 0) {
                close_conn(ep, fd);
            }
        }
    }
}
