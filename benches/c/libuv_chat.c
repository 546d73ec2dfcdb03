/*
 * libuv_chat: a libuv chat server, a baseline of the chat benchmark. It speaks
 * c_examples/chat_server.c's protocol (each line to every other client as
 * "<address>: <line>\n", joins and leaves announced as "* <address> joined" / "left", lines
 * over 4096 bytes dropped, a client with 1 MiB queued disconnected), written the way libuv's
 * documentation and its own benchmarks write servers, with the cheap path a careful libuv
 * user takes: one 64 KiB read buffer, each line composed once, uv_try_write first, and only
 * what the socket does not take copied into a uv_write request of its own.
 *
 *     libuv_chat <port>
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bench_net.h"

#define BUFSIZE 65536

struct client {
    uv_tcp_t tcp; /* first: a handle's address is its client's */
    char name[NAMELEN];
    size_t name_len;
    struct chat_lines lines;
    int dead;
    size_t slot;
};

typedef struct {
    uv_write_t req;
    char data[]; /* the bytes it writes */
} write_req_t;

#include "chat_room.h"

static uv_loop_t *loop;
static uv_tcp_t server;
static char readbuf[BUFSIZE];

static void after_write(uv_write_t *req, int status) {
    struct client *c = (struct client *)req->handle;
    free(req);
    if (status < 0 && status != UV_ECANCELED) {
        kill_client(c);
        reap();
    }
}

static void send_to(struct client *c, const char *data, size_t len) {
    uv_buf_t buf = uv_buf_init((char *)data, (unsigned int)len);
    int n = 0;
    write_req_t *wr;
    if (c->dead) {
        return;
    }
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) == 0) {
        n = uv_try_write((uv_stream_t *)&c->tcp, &buf, 1);
        if (n == UV_EAGAIN) {
            n = 0;
        } else if (n < 0) {
            kill_client(c);
            return;
        }
        if ((size_t)n == len) {
            return;
        }
    }
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) + len - (size_t)n >= MAX_QUEUE) {
        kill_client(c); /* it does not read: disconnected */
        return;
    }
    wr = malloc(sizeof *wr + len - (size_t)n);
    if (wr == NULL) {
        kill_client(c);
        return;
    }
    memcpy(wr->data, data + n, len - (size_t)n);
    buf = uv_buf_init(wr->data, (unsigned int)(len - (size_t)n));
    if (uv_write(&wr->req, (uv_stream_t *)&c->tcp, &buf, 1, after_write) != 0) {
        free(wr);
        kill_client(c);
    }
}

static void on_close(uv_handle_t *handle) {
    free(handle);
}

static void close_client(struct client *c) {
    uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void alloc_buffer(uv_handle_t *handle, size_t suggested_size, uv_buf_t *buf) {
    (void)handle;
    (void)suggested_size;
    *buf = uv_buf_init(readbuf, BUFSIZE);
}

static void after_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
    struct client *c = (struct client *)stream;
    if (nread < 0) {
        kill_client(c);
        reap();
        return;
    }
    chat_feed(&c->lines, buf->base, (size_t)nread, on_line, c);
    reap();
}

static void on_connection(uv_stream_t *listener, int status) {
    struct client *c;
    struct sockaddr_storage peer;
    int peer_len = sizeof peer;
    if (status != 0 || (c = calloc(1, sizeof *c)) == NULL) {
        return;
    }
    uv_tcp_init(loop, &c->tcp);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 ||
        uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&peer, &peer_len) != 0) {
        uv_close((uv_handle_t *)&c->tcp, on_close);
        return;
    }
    c->name_len = chat_name(&peer, c->name);
    join(c);
    reap();
    if (!c->dead) {
        uv_read_start((uv_stream_t *)&c->tcp, alloc_buffer, after_read);
    }
}

int main(int argc, char *argv[]) {
    struct sockaddr_in6 addr;

    if (argc != 2) {
        fprintf(stderr, "USAGE: libuv_chat <port>\n");
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    signal(SIGPIPE, SIG_IGN); /* a write to a client that left fails with EPIPE instead */
    loop = uv_default_loop();
    uv_ip6_addr("::", atoi(argv[1]), &addr);
    uv_tcp_init(loop, &server);
    if (uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0) != 0 ||
        uv_listen((uv_stream_t *)&server, SOMAXCONN, on_connection) != 0) {
        fprintf(stderr, "libuv_chat: cannot listen\n");
        return 1;
    }
    return uv_run(loop, UV_RUN_DEFAULT);
}
