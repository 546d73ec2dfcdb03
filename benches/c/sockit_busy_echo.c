/*
 * sockit_busy_echo: an event-loop TCP echo server on sockit whose callback works on each
 * message before echoing it (a hash of its bytes, repeated, ~20 us), standing in for a
 * server with real work per request. It shows how the event loop scales with threads
 * (sockit_server_set_threads): the load generator's cost per message is a small part of
 * the server's, so on a 2-core machine a second loop thread has most of a core to use.
 *
 *     sockit_busy_echo <port> <threads>
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sockit.h"

#define ROUNDS 600 /* FNV-1a passes over each chunk: ~20 us for a 32-byte message */

static sockit_server *server;
static volatile uint32_t sink; /* keeps the work from being optimised away */

static void StopServer(int signum) {
    (void)signum;
    sockit_server_stop(server); /* safe in a signal handler */
}

static void OnData(sockit_conn *conn, const void *data, size_t len, void *user) {
    const unsigned char *bytes = data;
    uint32_t hash = 2166136261u;
    size_t round, i;

    (void)user;
    for (round = 0; round < ROUNDS; round++) {
        for (i = 0; i < len; i++) {
            hash = (hash ^ bytes[i]) * 16777619u;
        }
    }
    sink = hash;
    sockit_conn_write(conn, data, len);
}

int main(int argc, char *argv[]) {
    int port;

    if (argc != 3) {
        fprintf(stderr, "USAGE: sockit_busy_echo <port> <threads>\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[1])) < 0) {
        Die("Invalid port");
    }
    if (sockit_server_new(SOCKIT_TCP, NULL, port, SOCKIT_EVENT_LOOP, &server) < 0 ||
        sockit_server_set_stream_handler(server, NULL, OnData, NULL, NULL) < 0 ||
        sockit_server_set_threads(server, atoi(argv[2])) < 0) {
        Die("Failed to set up the server");
    }
    signal(SIGINT, StopServer);
    signal(SIGTERM, StopServer);
    if (sockit_server_run(server) < 0) {
        Die("Server failed");
    }
    sockit_server_free(server);
    return 0;
}
