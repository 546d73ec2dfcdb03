/*
 * libuv_echo: a libuv TCP echo server written the way libuv's own benchmark echo server
 * (test/echo-server.c) is: a 64 KiB buffer allocated per read, each read written back with
 * its own write request, both freed when the write completes.
 *
 *     libuv_echo <port>
 */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

typedef struct {
    uv_write_t req;
    uv_buf_t buf;
} write_req_t;

static uv_loop_t *loop;
static uv_tcp_t server;

static void on_close(uv_handle_t *handle) {
    free(handle);
}

static void after_write(uv_write_t *req, int status) {
    write_req_t *wr = (write_req_t *)req;
    uv_handle_t *handle = (uv_handle_t *)req->handle;

    free(wr->buf.base);
    free(wr);
    if (status < 0 && !uv_is_closing(handle)) {
        uv_close(handle, on_close);
    }
}

static void echo_alloc(uv_handle_t *handle, size_t suggested_size, uv_buf_t *buf) {
    (void)handle;
    buf->base = malloc(suggested_size);
    buf->len = suggested_size;
}

static void after_read(uv_stream_t *handle, ssize_t nread, const uv_buf_t *buf) {
    write_req_t *wr;

    if (nread <= 0) {
        free(buf->base);
        if (nread < 0 && !uv_is_closing((uv_handle_t *)handle)) {
            uv_close((uv_handle_t *)handle, on_close);
        }
        return;
    }
    wr = malloc(sizeof *wr);
    wr->buf = uv_buf_init(buf->base, (unsigned int)nread);
    if (uv_write(&wr->req, handle, &wr->buf, 1, after_write) != 0) {
        free(wr->buf.base);
        free(wr);
        uv_close((uv_handle_t *)handle, on_close);
    }
}

static void on_connection(uv_stream_t *listener, int status) {
    uv_tcp_t *client;

    if (status != 0) {
        return;
    }
    client = malloc(sizeof *client);
    uv_tcp_init(loop, client);
    if (uv_accept(listener, (uv_stream_t *)client) != 0) {
        uv_close((uv_handle_t *)client, on_close);
        return;
    }
    uv_tcp_nodelay(client, 1);
    uv_read_start((uv_stream_t *)client, echo_alloc, after_read);
}

int main(int argc, char *argv[]) {
    struct sockaddr_in6 addr;

    if (argc != 2) {
        fprintf(stderr, "USAGE: libuv_echo <port>\n");
        return 1;
    }
    loop = uv_default_loop();
    uv_ip6_addr("::", atoi(argv[1]), &addr);
    uv_tcp_init(loop, &server);
    if (uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0) != 0 ||
        uv_listen((uv_stream_t *)&server, SOMAXCONN, on_connection) != 0) {
        fprintf(stderr, "libuv_echo: cannot listen on port %s\n", argv[1]);
        return 1;
    }
    return uv_run(loop, UV_RUN_DEFAULT);
}
