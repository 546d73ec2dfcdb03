/*
 * unix_echo_server: the tutorial's echo server on a Unix domain socket, named by a path
 * instead of a port, in any of the server framework's modes.
 *
 *     unix_echo_server <path> [iterative|threaded|forking|event-loop]
 *
 * Listens at <path> (on Linux "@name" is a name in the abstract namespace, with no file),
 * prints "Client connected: pid <pid> uid <uid>" for each client (who it is, as the system
 * recorded it; "Client connected" alone where the system does not tell) and echoes to it
 * until it closes. The mode defaults to iterative. A socket file left at <path> by a server
 * that died is replaced; a live server's is not. SIGINT or SIGTERM stops the server, which
 * removes its socket file. Reports "listening on <path>" on stderr once it listens.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "sockit.h"

#define RCVBUFSIZE 65536 /* a Unix socket's calls cost more per call than per byte */

static sockit_server *server;

static void StopServer(int signum) {
    (void)signum;
    sockit_server_stop(server); /* safe in a signal handler */
}

/* Who the client is: its process and user, as the system recorded them at connect. */
static void PrintClient(sockit_socket sock) {
    sockit_peer_cred cred;

    if (sockit_unix_peer_cred(sock, &cred) == SOCKIT_OK) {
        fprintf(stdout, "Client connected: pid %lld uid %lu\n", (long long)cred.pid,
                (unsigned long)cred.uid);
    } else {
        fprintf(stdout, "Client connected\n");
    }
}

/* Blocking modes: the tutorial's HandleClient loop (the server closes the socket). */
static void HandleClientLoop(sockit_socket sock, const sockit_addr *client, void *user) {
    char echoBuffer[RCVBUFSIZE];
    int64_t received;

    (void)client; /* family 0: a Unix domain peer has no IP address */
    (void)user;
    PrintClient(sock);
    while ((received = sockit_recv(sock, echoBuffer, RCVBUFSIZE)) > 0) {
        if (sockit_send_all(sock, echoBuffer, (size_t)received) != received) {
            break;
        }
    }
}

/* Event loop: a new client, then each chunk of bytes it sends. */
static void OnOpen(sockit_conn *conn, void *user) {
    (void)user;
    PrintClient(sockit_conn_socket(conn));
}

static void OnData(sockit_conn *conn, const void *data, size_t len, void *user) {
    (void)user;
    sockit_conn_write(conn, data, len); /* queued; never blocks the other clients */
}

int main(int argc, char *argv[]) {
    int mode = SOCKIT_ITERATIVE, rc;

    if (argc != 2 && argc != 3) {
        fprintf(stderr, "USAGE: unix_echo_server <path> "
                        "[iterative|threaded|forking|event-loop]\n");
        exit(1);
    }
    if (argc == 3 && (mode = sockit_server_mode(argv[2])) < 0) {
        Die("Invalid mode");
    }
    if (sockit_server_new_unix(argv[1], mode, SOCKIT_UNIX_REMOVE_STALE, &server) < 0) {
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
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    signal(SIGINT, StopServer);
    signal(SIGTERM, StopServer);
    fprintf(stderr, "unix_echo_server: %s server listening on %s\n",
            argc == 3 ? argv[2] : "iterative", argv[1]);
    if (sockit_server_run(server) < 0) {
        Die("Server failed");
    }
    sockit_server_free(server); /* removes the socket file */
    fprintf(stderr, "unix_echo_server: stopped\n");
    return 0;
}
