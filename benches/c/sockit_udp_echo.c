/*
 * sockit_udp_echo: a UDP echo server on sockit's server framework, for the benchmarks.
 *
 *     sockit_udp_echo <port> <iterative|threaded|event-loop> [handler|echo]
 *
 * "handler" (the default) is what a user writes: a callback that sends each datagram back
 * with sockit_sendto(). "echo" is the library's own echo (sockit_server_set_echo()), which
 * the event loop serves in batches (recvmmsg/sendmmsg where the system has them).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

static sockit_server *server;

static void StopServer(int signum) {
    (void)signum;
    sockit_server_stop(server); /* safe in a signal handler */
}

static void EchoDatagram(sockit_socket sock, const void *msg, size_t len,
                         const sockit_addr *client, void *user) {
    (void)user;
    sockit_sendto(sock, msg, len, client); /* a lost echo is the client's to notice */
}

int main(int argc, char *argv[]) {
    int port, mode, rc;

    if (argc != 3 && argc != 4) {
        fprintf(stderr, "USAGE: sockit_udp_echo <port> <mode> [handler|echo]\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[1])) < 0) {
        Die("Invalid port");
    }
    if ((mode = sockit_server_mode(argv[2])) < 0) {
        Die("Invalid mode");
    }
    if (sockit_server_new(SOCKIT_UDP, NULL, port, mode, &server) < 0) {
        Die("Failed to create the server");
    }
    if (argc == 4 && strcmp(argv[3], "echo") == 0) {
        rc = sockit_server_set_echo(server);
    } else {
        rc = sockit_server_set_udp_handler(server, EchoDatagram, NULL);
    }
    if (rc < 0) {
        Die("Failed to set the handler");
    }
    signal(SIGINT, StopServer);
    signal(SIGTERM, StopServer);
    if (sockit_server_run(server) < 0) {
        Die("Server failed");
    }
    sockit_server_free(server);
    return 0;
}
