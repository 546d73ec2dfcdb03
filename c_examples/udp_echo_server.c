/*
 * udp_echo_server: the sockets tutorial's UDP echo server, ported to sockit.
 *
 *     udp_echo_server <port>
 *
 * Receives each datagram, prints "Client connected: <ip>" on stderr (as the tutorial did),
 * and sends the datagram back to its sender. What changed from the tutorial:
 * - it serves IPv4 and IPv6 clients (sockit_udp_bind with no host is dual-stack);
 * - the port is checked instead of atoi()'d, and port 0 picks a free one: the port in use
 *   is reported on stderr ("listening on [::]:<port>");
 * - every datagram is echoed whole (the tutorial's 255-byte buffer cut longer ones short);
 *   one that cannot be received or echoed costs that datagram only, where the tutorial's
 *   Die() took the whole server down;
 * - Die() comes from the library.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sockit.h"

#define BUFFSIZE 65535 /* the tutorial's 255 cut longer datagrams short: now any is echoed whole */

int main(int argc, char *argv[]) {
    sockit_socket sock;
    sockit_addr echoserver, echoclient;
    char buffer[BUFFSIZE];
    char text[SOCKIT_ADDRSTRLEN];
    int64_t received;
    int port;

    if (argc != 2) {
        fprintf(stderr, "USAGE: %s <port>\n", argv[0]);
        exit(1);
    }
    if ((port = sockit_parse_port(argv[1])) < 0) {
        Die("Invalid port");
    }
    /* Create the UDP socket and bind it to every address (IPv4 and IPv6) */
    if (sockit_udp_bind(NULL, port, &sock) < 0) {
        Die("Failed to bind server socket");
    }
    if (sockit_local_addr(sock, &echoserver) < 0 ||
        sockit_addr_format(&echoserver, text, sizeof text) < 0) {
        Die("Failed to read the server address");
    }
    fprintf(stderr, "udp_echo_server: listening on %s\n", text);
    /* Run until cancelled */
    while (1) {
        /* Receive a message from the client */
        received = sockit_recvfrom(sock, buffer, BUFFSIZE, &echoclient);
        if (received == SOCKIT_EMSGSIZE || received == SOCKIT_ECONNRESET ||
            received == SOCKIT_ECONNREFUSED) {
            continue; /* one datagram's problem, or an earlier echo refused: not the server's */
        }
        if (received < 0) {
            Die("Failed to receive message");
        }
        sockit_addr_format_ip(&echoclient, text, sizeof text);
        fprintf(stderr, "Client connected: %s\n", text);
        /* Send the message back to client */
        if (sockit_sendto(sock, buffer, (size_t)received, &echoclient) != received) {
            fprintf(stderr, "Mismatch in number of echo'd bytes: %s\n",
                    sockit_strerror(sockit_last_error()));
        }
    }
}
