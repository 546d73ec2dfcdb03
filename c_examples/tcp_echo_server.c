/*
 * tcp_echo_server: the sockets tutorial's TCP echo server, ported to sockit.
 *
 *     tcp_echo_server <port>
 *
 * Listens on every address, accepts one client at a time, prints
 * "Client connected: <ip>" and echoes to it (HandleClient) until it closes. What changed
 * from the tutorial:
 * - it serves IPv4 and IPv6 clients (sockit_tcp_listen with no host is dual-stack) and
 *   prints either kind of address;
 * - the port is checked instead of atoi()'d, and port 0 picks a free one: the port in use
 *   is reported on stderr ("listening on [::]:<port>");
 * - HandleClient() comes from the library: a client that resets or vanishes ends that client
 *   only, where the tutorial's Die() took the whole server down;
 * - stdout is line-buffered, so each "Client connected" line shows up at once in a pipe.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sockit.h"

#define MAXPENDING 5 /* Max connection requests */

int main(int argc, char *argv[]) {
    sockit_socket serversock, clientsock;
    sockit_addr echoserver, echoclient;
    char text[SOCKIT_ADDRSTRLEN];
    int port;

    if (argc != 2) {
        fprintf(stderr, "USAGE: echoserver <port>\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[1])) < 0) {
        Die("Invalid port");
    }
    /* Create the socket, bind it to every address (IPv4 and IPv6) and listen */
    if (sockit_tcp_listen(NULL, port, MAXPENDING, &serversock) < 0) {
        Die("Failed to listen on server socket");
    }
    if (sockit_local_addr(serversock, &echoserver) < 0 ||
        sockit_addr_format(&echoserver, text, sizeof text) < 0) {
        Die("Failed to read the server address");
    }
    fprintf(stderr, "tcp_echo_server: listening on %s\n", text);
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    /* Run until cancelled */
    while (1) {
        /* Wait for client connection */
        if (sockit_accept(serversock, &clientsock, &echoclient) < 0) {
            Die("Failed to accept client connection");
        }
        sockit_addr_format_ip(&echoclient, text, sizeof text);
        fprintf(stdout, "Client connected: %s\n", text);
        HandleClient(clientsock);
    }
}
