/*
 * sockit_tls_echo: a TLS echo server on sockit, measured against benches/c/openssl_echo.c
 * with the same certificate and key. sockit's TLS is rustls on ring; the load generator
 * offers only TLS 1.3 with TLS_AES_128_GCM_SHA256, which it then picks.
 *
 *     sockit_tls_echo <port> <cert.pem> <key.pem> event-loop|blocking
 *
 * event-loop: sockit_loop with TLS on its listener (sockit_loop_tls_server()): on_data gets
 * plaintext and writes it straight back with sockit_loop_write(), which encrypts; the
 * handshakes never block the loop. Back-pressure as the C baseline's: once 64 KiB wait for
 * a client (the queue's bound), reading it pauses until they are sent. The client's
 * close_notify is answered with sockit_loop_shutdown() (ours, then the close).
 *
 * blocking: one connection at a time, as c_examples/tls_echo_server.c but with a 64 KiB
 * buffer (as the C baseline's): sockit_tls_accept() makes the handshake, sockit_tls_recv()
 * and sockit_tls_send_all() echo until the client's close_notify, answered with
 * sockit_tls_shutdown().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

#define BUFSIZE 65536
#define HANDSHAKE_TIMEOUT_MS 5000
#define QUEUE_LIMIT BUFSIZE

static char buffer[BUFSIZE];

/* Echoes until the client ends its side. */
static void Echo(sockit_tls *tls) {
    int64_t received;

    while ((received = sockit_tls_recv(tls, buffer, BUFSIZE)) > 0) {
        if (sockit_tls_send_all(tls, buffer, (size_t)received) != received) {
            break;
        }
    }
    if (received == 0) {
        sockit_tls_shutdown(tls);
    }
    sockit_tls_free(tls);
}

static int Blocking(int port, sockit_tls_server_config *config) {
    sockit_socket listener, client;
    sockit_tls *tls;

    if (sockit_tcp_listen(NULL, port, 0, &listener) < 0) {
        Die("Failed to listen");
    }
    for (;;) {
        if (sockit_accept(listener, &client, NULL) < 0) {
            Die("Failed to accept a connection");
        }
        sockit_set_nodelay(client, 1);
        if (sockit_tls_accept(client, config, HANDSHAKE_TIMEOUT_MS, &tls) < 0) {
            sockit_close(client); /* a failed handshake ends this client only */
            continue;
        }
        Echo(tls);
    }
}

/* The handshake is done: the queue's bound (the loop has turned Nagle's algorithm off). */
static void OnConnect(sockit_loop *loop, sockit_handle conn, int status, void *user) {
    (void)user;
    if (status == SOCKIT_OK) {
        sockit_loop_set_queue_limit(loop, conn, QUEUE_LIMIT);
    }
}

static void OnData(sockit_loop *loop, sockit_handle conn, const void *bytes, size_t len,
                   void *user) {
    (void)user;
    if (sockit_loop_write(loop, conn, bytes, len) < 0) {
        sockit_loop_abort(loop, conn);
    }
}

/* The client's close_notify (or end of stream): finish ours too. */
static void OnEof(sockit_loop *loop, sockit_handle conn, void *user) {
    (void)user;
    sockit_loop_shutdown(loop, conn);
}

/* The peer reads slower than it sends: stop reading until the queue is sent. */
static void OnQueueFull(sockit_loop *loop, sockit_handle conn, size_t count, void *user) {
    (void)count;
    (void)user;
    sockit_loop_pause_reading(loop, conn);
}

static void OnDrain(sockit_loop *loop, sockit_handle conn, void *user) {
    (void)user;
    sockit_loop_resume_reading(loop, conn);
}

static int EventLoop(int port, sockit_tls_server_config *config) {
    sockit_loop_callbacks echo = {OnConnect, OnData, OnEof, NULL, OnQueueFull, OnDrain, NULL};
    sockit_loop *loop;
    sockit_handle listener;

    if (sockit_loop_new(&loop) < 0 || sockit_loop_listen(loop, NULL, port, &echo, NULL, &listener) < 0 ||
        sockit_loop_tls_server(loop, listener, config, HANDSHAKE_TIMEOUT_MS) < 0) {
        Die("Failed to set up the loop");
    }
    if (sockit_loop_run(loop) < 0) {
        Die("The loop failed");
    }
    sockit_loop_free(loop);
    return 0;
}

int main(int argc, char *argv[]) {
    sockit_tls_server_config *config;
    char detail[512];
    int port;

    if (argc != 5 || (strcmp(argv[4], "blocking") != 0 && strcmp(argv[4], "event-loop") != 0)) {
        fprintf(stderr, "USAGE: sockit_tls_echo <port> <cert.pem> <key.pem> event-loop|blocking\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[1])) < 0) {
        Die("Invalid port");
    }
    if (sockit_tls_server_config_new(argv[2], argv[3], &config) < 0) {
        sockit_tls_last_error_detail(detail, sizeof detail);
        fprintf(stderr, "sockit_tls_echo: %s\n", detail);
        Die("Failed to load the certificate and key");
    }
    if (strcmp(argv[4], "blocking") == 0) {
        return Blocking(port, config);
    }
    return EventLoop(port, config);
}
