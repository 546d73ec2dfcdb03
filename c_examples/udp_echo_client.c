/*
 * udp_echo_client: the sockets tutorial's UDP echo client, ported to sockit.
 *
 *     udp_echo_client <server> <word> <port>
 *
 * Sends the word in one datagram, waits for the echo, checks its size and that it came from
 * the server, prints "Received: <word>". What changed from the tutorial:
 * - <server> may be a host name, an IPv4 or an IPv6 address;
 * - a lost datagram or echo ends in "No reply from server: Operation timed out" after a few
 *   seconds, instead of waiting forever, and a server that is not running in
 *   "No reply from server: Connection refused" at once (the socket is connected to the
 *   server, so the system reports that nothing listens there);
 * - a datagram from another address is ignored instead of ending the program (the echo from
 *   the server may still come);
 * - no byte is written past the 255-byte buffer, and the echo is written with fwrite, not as
 *   printf's format string;
 * - Die() comes from the library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

#define BUFFSIZE 255
#define REPLY_TIMEOUT_MS 5000

int main(int argc, char *argv[]) {
    sockit_socket sock;
    sockit_addr echoserver;
    char buffer[BUFFSIZE];
    size_t echolen;
    int64_t received;
    int port;

    if (argc != 4) {
        fprintf(stderr, "USAGE: %s <server_ip> <word> <port>\n", argv[0]);
        exit(1);
    }
    if ((port = sockit_parse_port(argv[3])) < 0) {
        Die("Invalid port");
    }
    /* Find the server: the first address of the name, or the literal itself */
    if (sockit_resolve(argv[1], port, SOCKIT_ANY, &echoserver, 1) < 0) {
        Die("Failed to find the server");
    }
    /* Create the UDP socket, and connect it to the server: only its datagrams come in */
    if (sockit_udp_socket(echoserver.family, &sock) < 0) {
        Die("Failed to create socket");
    }
    if (sockit_connect(sock, &echoserver) < 0) {
        Die("Failed to connect with server");
    }
    /* Send the word to the server and receive it back, from the server only */
    echolen = strlen(argv[2]);
    received = sockit_echo_udp_exchange(sock, &echoserver, argv[2], echolen, buffer, BUFFSIZE,
                                        REPLY_TIMEOUT_MS);
    if (received == SOCKIT_ETIMEDOUT || received == SOCKIT_ECONNREFUSED) {
        Die("No reply from server");
    }
    if (received != (int64_t)echolen) {
        Die("Mismatch in number of received bytes");
    }
    fprintf(stdout, "Received: ");
    fwrite(buffer, 1, (size_t)received, stdout);
    fprintf(stdout, "\n");
    sockit_close(sock);
    exit(0);
}
