/*
 * mcast_recv: prints the datagrams sent to a multicast group.
 *
 *     mcast_recv <group> <port>
 *
 * Joins <group> (IPv4 "239.1.2.3" or IPv6 "ff12::1234") on the interface the system routes
 * it to, receives on <port>, and prints each datagram on a line of its own, as it came (a
 * datagram holding a newline prints as several lines). Several mcast_recv may listen to one
 * group and port at once: each gets every datagram. Reports "listening on <group> port
 * <port>" on stderr once joined; runs until interrupted.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sockit.h"

#define MAXDATAGRAM 65536 /* holds any UDP datagram */

int main(int argc, char *argv[]) {
    static char buffer[MAXDATAGRAM];
    sockit_socket sock;
    int port;
    int64_t received;

    if (argc != 3) {
        fprintf(stderr, "USAGE: mcast_recv <group> <port>\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[2])) < 0) {
        Die("Invalid port");
    }
    if (sockit_udp_multicast_socket(argv[1], port, NULL, &sock) < 0) {
        Die("Failed to join the group");
    }
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    fprintf(stderr, "mcast_recv: listening on %s port %d\n", argv[1], port);
    for (;;) {
        received = sockit_recvfrom(sock, buffer, sizeof buffer, NULL);
        if (received < 0) {
            Die("Failed to receive");
        }
        fwrite(buffer, 1, (size_t)received, stdout);
        fputc('\n', stdout);
    }
}
