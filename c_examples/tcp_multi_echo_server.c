/*
 * tcp_multi_echo_server: the sockets tutorial's TCP echo server, serving many clients at
 * once with sockit's server framework (part 2 of the tutorial, "Servers that scale").
 *
 *     tcp_multi_echo_server <port> <iterative|threaded|forking|event-loop> [threads]
 *
 * Prints "Client connected: <ip>" for each client and echoes to it until it closes.
 * iterative serves one client at a time, as the part 1 server did; threaded gives each
 * client a thread, forking a child process; event-loop serves them all from one thread, as
 * the tutorial's select() server did, without select()'s limit of 1024 descriptors.
 *
 * The blocking modes use the tutorial's HandleClient loop as the handler; the event loop
 * cannot block, so it echoes each chunk from a callback instead (its writes are queued).
 * threads (event-loop only; 0: one per core where possible) runs that many loops, each on
 * its own thread and its own socket on the port (Linux), to use more than one core.
 * SIGINT or SIGTERM stops the server cleanly: clients being served get a few seconds to
 * finish. The port in use is reported on stderr ("listening on [::]:<port>").
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "sockit.h"

#define RCVBUFSIZE 16384 /* the tutorial's was 32: larger means fewer calls per echo */

static sockit_server *server;

static void StopServer(int signum) {
    (void)signum;
    sockit_server_stop(server); /* safe in a signal handler */
}

static void PrintClient(const sockit_addr *client) {
    char text[SOCKIT_ADDRSTRLEN];
    sockit_addr_format_ip(client, text, sizeof text);
    fprintf(stdout, "Client connected: %s\n", text);
}

/* Blocking modes: the tutorial's HandleClient, minus the close (the server closes). */
static void HandleClientLoop(sockit_socket sock, const sockit_addr *client, void *user) {
    char echoBuffer[RCVBUFSIZE];
    int64_t received;

    (void)user;
    PrintClient(client);
    /* Send back what arrives until the client closes (or fails: then just stop) */
    while ((received = sockit_recv(sock, echoBuffer, RCVBUFSIZE)) > 0) {
        if (sockit_send_all(sock, echoBuffer, (size_t)received) != received) {
            break;
        }
    }
}

/* Event loop: a new client, then each chunk of bytes it sends. */
static void OnOpen(sockit_conn *conn, void *user) {
    sockit_addr client;

    (void)user;
    if (sockit_conn_peer(conn, &client) == SOCKIT_OK) {
        PrintClient(&client);
    }
}

static void OnData(sockit_conn *conn, const void *data, size_t len, void *user) {
    (void)user;
    sockit_conn_write(conn, data, len); /* queued; never blocks the other clients */
}

int main(int argc, char *argv[]) {
    char text[SOCKIT_ADDRSTRLEN];
    sockit_addr address;
    int port, mode, rc;
    long threads;
    char *end;

    if (argc != 3 && argc != 4) {
        fprintf(stderr, "USAGE: tcp_multi_echo_server <port> "
                        "<iterative|threaded|forking|event-loop> [threads]\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[1])) < 0) {
        Die("Invalid port");
    }
    if ((mode = sockit_server_mode(argv[2])) < 0) {
        Die("Invalid mode");
    }
    if (sockit_server_new(SOCKIT_TCP, NULL, port, mode, &server) < 0) {
        Die("Failed to create the server");
    }
    if (mode == SOCKIT_EVENT_LOOP) {
        rc = sockit_server_set_stream_handler(server, OnOpen, OnData, NULL, NULL);
    } else {
        rc = sockit_server_set_tcp_handler(server, HandleClientLoop, NULL);
    }
    if (rc < 0) {
        Die("Failed to set the handler");
    }
    if (argc == 4) {
        threads = strtol(argv[3], &end, 10);
        if (*end != '\0' || threads < 0 || threads > 1024 ||
            sockit_server_set_threads(server, (int)threads) < 0) {
            Die("Invalid number of threads");
        }
    }
    if (sockit_server_addr(server, &address) < 0 ||
        sockit_addr_format(&address, text, sizeof text) < 0) {
        Die("Failed to read the server address");
    }
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    signal(SIGINT, StopServer);
    signal(SIGTERM, StopServer);
    fprintf(stderr, "tcp_multi_echo_server: %s server listening on %s\n", argv[2], text);
    if (sockit_server_run(server) < 0) {
        Die("Server failed");
    }
    sockit_server_free(server);
    fprintf(stderr, "tcp_multi_echo_server: stopped\n");
    return 0;
}
