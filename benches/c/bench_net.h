/*
 * What the C baselines share: Die, a dual-stack listening socket, an epoll instance watching
 * it, and (epoll_chat.c, libuv_chat.c) c_examples/chat_server.c's
 * protocol: lines of at most 4096 bytes (longer ones dropped), each sent on to the others as
 * "<address>: <line>\n" (a \r before the \n dropped), the address as "a.b.c.d:port" or
 * "[v6]:port", a client disconnected once 1 MiB is queued for it. All inline: each program
 * uses what it needs.
 */
#ifndef BENCH_NET_H
#define BENCH_NET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define MAX_LINE 4096
#define MAX_QUEUE (1024 * 1024)
#define NAMELEN 64

static inline void Die(const char *mess) {
    perror(mess);
    exit(1);
}

/* A socket listening on [::]:port for IPv6 and IPv4 alike; `flags` for socket(2)'s type
   (SOCK_NONBLOCK, or 0). */
static inline int listen_dual_stack(const char *port, int flags) {
    struct sockaddr_in6 addr;
    int listener, one = 1, zero = 0;
    if ((listener = socket(AF_INET6, SOCK_STREAM | flags, 0)) < 0) {
        Die("socket");
    }
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(listener, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    memset(&addr, 0, sizeof addr);
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_any;
    addr.sin6_port = htons((unsigned short)atoi(port));
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 ||
        listen(listener, SOMAXCONN) < 0) {
        Die("bind/listen");
    }
    return listener;
}

/* An epoll instance watching the listener for readability, its events marked with `mark`. */
static inline int epoll_listening(int listener, void *mark) {
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = mark};
    int ep = epoll_create1(0);
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) < 0) {
        Die("epoll");
    }
    return ep;
}

/* Grows *array (of elements of `size` bytes, *cap of them) to hold `need`. */
static inline void grow(void *array, size_t *cap, size_t need, size_t size) {
    void **a = array;
    if (need > *cap) {
        size_t more = need * 2 + 16;
        void *p = realloc(*a, more * size);
        if (p == NULL) {
            Die("realloc");
        }
        *a = p;
        *cap = more;
    }
}

/* A peer's name as the chat shows it; its length. */
static inline size_t chat_name(const struct sockaddr_storage *peer, char name[NAMELEN]) {
    char ip[INET6_ADDRSTRLEN];
    if (peer->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)peer;
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
            inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], ip, sizeof ip);
            return (size_t)snprintf(name, NAMELEN, "%s:%u", ip, ntohs(a->sin6_port));
        }
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        return (size_t)snprintf(name, NAMELEN, "[%s]:%u", ip, ntohs(a->sin6_port));
    }
    const struct sockaddr_in *a = (const struct sockaddr_in *)peer;
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    return (size_t)snprintf(name, NAMELEN, "%s:%u", ip, ntohs(a->sin_port));
}

/* The line a client is in the middle of. */
struct chat_lines {
    char line[MAX_LINE + 1];
    size_t len;
    int too_long; /* dropping the rest of a line over MAX_LINE */
};

/* Each whole line of data (joined with what came before), without its \n, to on_line. */
static inline void chat_feed(struct chat_lines *l, const char *data, size_t n,
                      void (*on_line)(void *ctx, const char *line, size_t len), void *ctx) {
    const char *p, *end = data + n, *nl;
    for (p = data; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        size_t part = (size_t)((nl != NULL ? nl : end) - p);
        if (l->too_long || l->len + part > MAX_LINE) {
            l->too_long = nl == NULL; /* dropped up to its end */
            l->len = 0;
        } else if (nl != NULL && l->len == 0) {
            on_line(ctx, p, part); /* the whole line is in the buffer */
        } else {
            memcpy(l->line + l->len, p, part);
            l->len += part;
            if (nl != NULL) {
                on_line(ctx, l->line, l->len);
                l->len = 0;
            }
        }
        if (nl == NULL) {
            break;
        }
    }
}

/* "<name>: <line>\n" in out (NAMELEN + MAX_LINE + 3 bytes); its length. */
static inline size_t chat_message(char *out, const char *name, size_t name_len, const char *line,
                           size_t len) {
    if (len > 0 && line[len - 1] == '\r') {
        len--;
    }
    memcpy(out, name, name_len);
    memcpy(out + name_len, ": ", 2);
    memcpy(out + name_len + 2, line, len);
    out[name_len + 2 + len] = '\n';
    return name_len + len + 3;
}

#endif
