/*
 * epoll_proxy: a hand-written single-threaded epoll TCP proxy, the baseline of the proxy
 * benchmark beside c_examples/tcp_proxy.c. Each client gets its own connection to
 * host:port (a non-blocking connect; the client is not read until it is made); bytes flow
 * both ways through one 64 KiB read buffer, each read written straight to the other side
 * and only what that socket does not take kept, the reading side paused meanwhile (as
 * hand-written epoll servers do). A half-close is passed on once the kept bytes are sent; a
 * reset or a failed connect closes both sides. Level-triggered.
 *
 *     epoll_proxy <listen-port> <host> <port>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_net.h"

#define BUFSIZE 65536
#define MAXEVENTS 1024

struct side {
    int fd;
    struct side *peer;
    struct pair *pair;
    char *kept; /* read from the peer, not yet taken by this side's socket */
    size_t len, off;
    int connecting; /* the connect to the server is under way */
    int read_done;  /* this side finished sending (EOF read) */
    int write_done; /* shut down for writing */
    uint32_t events;
};

struct pair {
    struct side client, server;
};

static int ep;
static struct addrinfo *target;
static struct pair *doomed[MAXEVENTS * 2]; /* closed in this batch, freed at its end */
static int ndoomed;

static void close_pair(struct side *s) {
    for (int i = 0; i < 2; i++, s = s->peer) {
        if (s->fd >= 0) {
            epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
            close(s->fd);
            s->fd = -1;
            free(s->kept);
            s->kept = NULL;
        }
    }
}

/* Watches what the side needs: its socket writable while bytes are kept for it (or its
   connect is under way), readable while its peer keeps nothing and it has not ended. */
static void update(struct side *s) {
    uint32_t events = 0;
    struct epoll_event ev;
    if (s->fd < 0) {
        return;
    }
    if (s->connecting || s->off < s->len) {
        events |= EPOLLOUT;
    }
    if (!s->connecting && !s->peer->connecting && !s->read_done && s->peer->off == s->peer->len) {
        events |= EPOLLIN;
    }
    if (events != s->events) {
        ev.events = events;
        ev.data.ptr = s;
        epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
        s->events = events;
    }
}

/* Sends what is kept for s; -1 when its connection failed. */
static int flush(struct side *s) {
    while (s->off < s->len) {
        ssize_t n = send(s->fd, s->kept + s->off, s->len - s->off, MSG_NOSIGNAL);
        if (n < 0) {
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        }
        s->off += (size_t)n;
    }
    s->off = s->len = 0;
    if (s->peer->read_done && !s->write_done) {
        shutdown(s->fd, SHUT_WR);
        s->write_done = 1;
    }
    return 0;
}

/* Reads from s and writes to its peer; -1 when the pair is to be closed. */
static int relay(struct side *s, char *buf) {
    struct side *to = s->peer;
    ssize_t n = recv(s->fd, buf, BUFSIZE, 0), sent;
    if (n < 0) {
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    }
    if (n == 0) {
        s->read_done = 1;
        if (to->off == to->len) {
            shutdown(to->fd, SHUT_WR);
            to->write_done = 1;
        }
        return 0;
    }
    sent = send(to->fd, buf, (size_t)n, MSG_NOSIGNAL);
    if (sent < 0) {
        if (errno != EAGAIN) {
            return -1;
        }
        sent = 0;
    }
    if (sent < n) {
        to->len = (size_t)(n - sent);
        to->off = 0;
        if ((to->kept = realloc(to->kept, to->len)) == NULL) {
            return -1;
        }
        memcpy(to->kept, buf + sent, to->len);
    }
    return 0;
}

static void accept_all(int listener) {
    int fd;
    while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
        struct pair *p = calloc(1, sizeof *p);
        struct epoll_event ev = {.events = 0};
        int server;
        if (p == NULL) {
            close(fd);
            continue;
        }
        server = socket(target->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (server < 0 || (connect(server, target->ai_addr, target->ai_addrlen) < 0 &&
                           errno != EINPROGRESS)) {
            if (server >= 0) {
                close(server);
            }
            close(fd);
            free(p);
            continue;
        }
        p->client.fd = fd;
        p->server.fd = server;
        p->client.peer = &p->server;
        p->server.peer = &p->client;
        p->client.pair = p->server.pair = p;
        p->server.connecting = 1;
        ev.data.ptr = &p->client;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        ev.events = EPOLLOUT;
        ev.data.ptr = &p->server;
        epoll_ctl(ep, EPOLL_CTL_ADD, server, &ev);
        p->server.events = EPOLLOUT;
    }
}

int main(int argc, char *argv[]) {
    static char buf[BUFSIZE];
    static struct side listening; /* its address marks the listener's events */
    struct epoll_event events[MAXEVENTS];
    struct addrinfo hints;
    int listener;

    if (argc != 4) {
        fprintf(stderr, "USAGE: epoll_proxy <listen-port> <host> <port>\n");
        exit(1);
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(argv[2], argv[3], &hints, &target) != 0) {
        fprintf(stderr, "epoll_proxy: cannot resolve %s:%s\n", argv[2], argv[3]);
        exit(1);
    }
    listener = listen_dual_stack(argv[1], SOCK_NONBLOCK);
    ep = epoll_listening(listener, &listening);
    for (;;) {
        int n = epoll_wait(ep, events, MAXEVENTS, -1);
        for (int i = 0; i < n; i++) {
            struct side *s = events[i].data.ptr;
            int failed = 0;
            if (s == &listening) {
                accept_all(listener);
                continue;
            }
            if (s->fd < 0) {
                continue; /* closed earlier in this batch */
            }
            if (s->connecting) {
                int error = 0;
                socklen_t len = sizeof error;
                getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &error, &len);
                s->connecting = 0;
                failed = error != 0;
            } else {
                if ((events[i].events & (EPOLLOUT | EPOLLERR)) && flush(s) < 0) {
                    failed = 1;
                }
                if (!failed && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
                    (s->events & EPOLLIN)) {
                    failed = relay(s, buf) < 0;
                }
            }
            if (failed || (s->read_done && s->peer->read_done && s->write_done &&
                           s->peer->write_done)) {
                /* A failure, or both directions done: close both sides. */
                close_pair(s);
                doomed[ndoomed++] = s->pair;
                continue;
            }
            update(s);
            update(s->peer);
        }
        while (ndoomed > 0) {
            free(doomed[--ndoomed]);
        }
    }
}
