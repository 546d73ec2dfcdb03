/*
 * tcp_proxy: relays TCP connections to another server, in sockit's event loop.
 *
 *     tcp_proxy <listen-port> <host> <port>
 *
 * Each client gets its own connection to host:port (made in the loop, given up after 5
 * seconds), and bytes flow both ways. Back-pressure: when 256 KiB wait for one side, the
 * proxy stops reading from the other until they are sent, so a slow reader slows its
 * writer instead of growing the proxy's memory. A side that finishes sending (half-close)
 * is passed on to the other; a side that resets, or a server that cannot be reached,
 * resets the other. Port 0 picks a free port; the port in use is reported on stderr
 * ("listening on [::]:<port>"). SIGINT or SIGTERM stops it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "sockit.h"

#define QUEUE_LIMIT (256 * 1024)

/* A client and its connection to the server. */
struct pair {
    sockit_handle client, server;
    int open; /* handles not closed yet */
};

static sockit_loop *loop;
static const char *target_host;
static int target_port;

static sockit_handle other(const struct pair *p, sockit_handle conn) {
    return conn == p->client ? p->server : p->client;
}

static void on_data(sockit_loop *lp, sockit_handle conn, const void *bytes, size_t len, void *data) {
    struct pair *p = data;
    if (sockit_loop_write(lp, other(p, conn), bytes, len) < 0) {
        sockit_loop_abort(lp, conn);
    }
}

/* Too much waits for conn: stop reading from the side that sends it... */
static void on_queue_full(sockit_loop *lp, sockit_handle conn, size_t queued, void *data) {
    (void)queued;
    sockit_loop_pause_reading(lp, other(data, conn));
}

/* ...until it is sent. */
static void on_drain(sockit_loop *lp, sockit_handle conn, void *data) {
    sockit_loop_resume_reading(lp, other(data, conn));
}

/* One side finished sending: so does the proxy, to the other. Each connection closes by
   itself once both directions are done. */
static void on_eof(sockit_loop *lp, sockit_handle conn, void *data) {
    sockit_loop_shutdown(lp, other(data, conn));
}

static void on_close(sockit_loop *lp, sockit_handle conn, int status, void *data) {
    struct pair *p = data;
    if (status != SOCKIT_OK) {
        /* A reset (or a server that could not be reached) resets the other side too. */
        sockit_loop_abort(lp, other(p, conn));
    }
    if (--p->open == 0) {
        free(p);
    }
}

/* A proxy passes each chunk on as it comes: no waiting to coalesce small writes (Nagle). */
static void relay_at_once(sockit_loop *lp, sockit_handle conn) {
    sockit_socket sock;
    if (sockit_loop_socket(lp, conn, &sock) == SOCKIT_OK) {
        sockit_set_nodelay(sock, 1);
    }
}

static void on_server_connect(sockit_loop *lp, sockit_handle server, int status, void *data) {
    struct pair *p = data;
    (void)server;
    if (status != SOCKIT_OK) {
        fprintf(stderr, "tcp_proxy: %s:%d: %s\n", target_host, target_port, sockit_strerror(status));
        return; /* on_close follows, and resets the client */
    }
    relay_at_once(lp, p->server);
    sockit_loop_set_queue_limit(lp, p->server, QUEUE_LIMIT);
    sockit_loop_resume_reading(lp, p->client);
}

static const sockit_loop_callbacks server_callbacks = {
    on_server_connect, on_data, on_eof, on_close, on_queue_full, on_drain, NULL};

static void on_client_connect(sockit_loop *lp, sockit_handle client, int status, void *data) {
    struct pair *p = malloc(sizeof *p);
    (void)status;
    (void)data;
    if (p == NULL) {
        sockit_loop_abort(lp, client);
        return;
    }
    p->client = client;
    p->open = 1;
    sockit_handle_set_data(lp, client, p);
    relay_at_once(lp, client);
    sockit_loop_set_queue_limit(lp, client, QUEUE_LIMIT);
    /* Nothing to relay to until the server answers. */
    sockit_loop_pause_reading(lp, client);
    if (sockit_loop_connect(lp, target_host, target_port, 5000, &server_callbacks, p, &p->server) < 0) {
        sockit_loop_abort(lp, client);
        return;
    }
    p->open = 2;
}

static void stop(int sig) {
    (void)sig;
    sockit_loop_stop(loop); /* safe in a signal handler */
}

int main(int argc, char *argv[]) {
    sockit_loop_callbacks client_callbacks = {
        on_client_connect, on_data, on_eof, on_close, on_queue_full, on_drain, NULL};
    sockit_handle listener;
    sockit_addr local;
    char text[SOCKIT_ADDRSTRLEN];
    int port;

    if (argc != 4) {
        fprintf(stderr, "usage: tcp_proxy <listen-port> <host> <port>\n");
        return 2;
    }
    if ((port = sockit_parse_port(argv[1])) < 0 || (target_port = sockit_parse_port(argv[3])) < 0) {
        Die("Invalid port");
    }
    target_host = argv[2];
    if (sockit_loop_new(&loop) < 0) {
        Die("Failed to create the loop");
    }
    if (sockit_loop_listen(loop, NULL, port, &client_callbacks, NULL, &listener) < 0) {
        Die("Failed to listen");
    }
    if (sockit_loop_local_addr(loop, listener, &local) < 0 ||
        sockit_addr_format(&local, text, sizeof text) < 0) {
        Die("Failed to read the proxy's address");
    }
    fprintf(stderr, "tcp_proxy: listening on %s\n", text);
    signal(SIGINT, stop);
    signal(SIGTERM, stop);
    if (sockit_loop_run(loop) < 0) {
        Die("The loop failed");
    }
    sockit_loop_free(loop);
    return 0;
}
