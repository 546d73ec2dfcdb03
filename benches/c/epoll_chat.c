/*
 * epoll_chat: a hand-written single-threaded epoll chat server, the baseline of the chat
 * benchmark. It speaks c_examples/chat_server.c's protocol: each line a client sends goes
 * to every other client as "<address>: <line>\n" (a \r before the \n dropped), joins and
 * leaves are announced to the others as "* <address> joined" / "left", lines longer than
 * 4096 bytes are dropped, and a client with 1 MiB queued is disconnected. Written as one
 * would in C: level-triggered, one 64 KiB read per readiness report, each line composed once
 * in a static buffer, each write sent at once and only what the socket does not take queued
 * (EPOLLOUT watched meanwhile).
 *
 *     epoll_chat <port>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSIZE 65536
#define MAXEVENTS 1024

#include "bench_net.h" /* MAX_LINE, NAMELEN, struct chat_lines */

struct client {
    int fd;
    char name[NAMELEN];
    size_t name_len;
    struct chat_lines lines; /* the line read so far */
    char *out;               /* queued for this client: out[off..len] */
    size_t len, off, cap;
    int watching_out;
    int dead;
    size_t slot;             /* its place in room[] */
};

#include "chat_room.h"

static int ep;

static void watch(struct client *c, int out) {
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
    if (c->watching_out != out) {
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->watching_out = out;
    }
}

/* Sends to one client: at once what the socket takes, the rest queued. */
static void send_to(struct client *c, const char *data, size_t len) {
    ssize_t n = 0;
    if (c->dead) {
        return;
    }
    if (c->off == c->len) {
        n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN) {
                kill_client(c);
                return;
            }
            n = 0;
        }
        if ((size_t)n == len) {
            return;
        }
        c->off = c->len = 0;
    }
    data += n;
    len -= (size_t)n;
    if (c->len - c->off + len >= MAX_QUEUE) {
        kill_client(c); /* it does not read: disconnected */
        return;
    }
    if (c->len + len > c->cap) {
        if (c->off > 0) {
            memmove(c->out, c->out + c->off, c->len - c->off);
            c->len -= c->off;
            c->off = 0;
        }
        if (c->len + len > c->cap) {
            size_t cap = (c->len + len) * 2;
            char *p = realloc(c->out, cap);
            if (p == NULL) {
                kill_client(c);
                return;
            }
            c->out = p;
            c->cap = cap;
        }
    }
    memcpy(c->out + c->len, data, len);
    c->len += len;
    watch(c, 1);
}

static void flush(struct client *c) {
    while (c->off < c->len) {
        ssize_t n = send(c->fd, c->out + c->off, c->len - c->off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN) {
                kill_client(c);
            }
            return;
        }
        c->off += (size_t)n;
    }
    c->off = c->len = 0;
    watch(c, 0);
}

static void close_client(struct client *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->out);
    free(c);
}

static void on_readable(struct client *c, char *buf) {
    ssize_t n = recv(c->fd, buf, BUFSIZE, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        kill_client(c);
        return;
    }
    if (n > 0) {
        chat_feed(&c->lines, buf, (size_t)n, on_line, c);
    }
}

static void accept_all(int listener) {
    struct sockaddr_storage peer;
    socklen_t peer_len = sizeof peer;
    int fd;
    while ((fd = accept4(listener, (struct sockaddr *)&peer, &peer_len, SOCK_NONBLOCK)) >= 0) {
        struct client *c = calloc(1, sizeof *c);
        struct epoll_event ev = {.events = EPOLLIN};
        peer_len = sizeof peer;
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->name_len = chat_name(&peer, c->name);
        ev.data.ptr = c;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        join(c);
    }
}

int main(int argc, char *argv[]) {
    static char buf[BUFSIZE];
    static struct client listening; /* its address marks the listener's events */
    struct epoll_event events[MAXEVENTS];
    int listener;

    if (argc != 2) {
        fprintf(stderr, "USAGE: epoll_chat <port>\n");
        exit(1);
    }
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    listener = listen_dual_stack(argv[1], SOCK_NONBLOCK);
    ep = epoll_listening(listener, &listening);
    for (;;) {
        int n = epoll_wait(ep, events, MAXEVENTS, -1);
        for (int i = 0; i < n; i++) {
            struct client *c = events[i].data.ptr;
            if (c == &listening) {
                accept_all(listener);
            } else if (!c->dead) {
                if (events[i].events & EPOLLOUT) {
                    flush(c);
                }
                if (!c->dead && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
                    on_readable(c, buf);
                }
            }
            /* A client freed here may still have an event later in this batch: reap only
               at the end of the batch. */
        }
        reap();
    }
}
