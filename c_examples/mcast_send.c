/*
 * mcast_send: sends one message to a multicast group.
 *
 *     mcast_send <group> <port> <message> [ttl]
 *
 * <group> is a multicast address, IPv4 ("239.1.2.3") or IPv6 ("ff12::1234"); the datagram
 * goes out by the interface the system routes the group to, and reaches every socket that
 * joined the group on that port (mcast_recv), on this host too. [ttl] (0 to 255, default 1:
 * the local network) is how many routers it may cross. Reports "sent <n> bytes to
 * <group>:<port>" on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

int main(int argc, char *argv[]) {
    sockit_socket sock;
    sockit_addr group;
    char text[SOCKIT_ADDRSTRLEN];
    int port;
    long ttl;
    char *end;
    int64_t sent;

    if (argc != 4 && argc != 5) {
        fprintf(stderr, "USAGE: mcast_send <group> <port> <message> [ttl]\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[2])) < 0) {
        Die("Invalid port");
    }
    if (sockit_addr_from_ip(argv[1], port, &group) < 0) {
        Die("Invalid group");
    }
    if (sockit_udp_socket(group.family, &sock) < 0) {
        Die("Failed to create socket");
    }
    if (argc == 5) {
        /* Not a number, or not one an int holds: -1, which the library refuses as it
         * refuses any TTL outside 0-255 */
        ttl = strtol(argv[4], &end, 10);
        if (end == argv[4] || *end != '\0' || ttl < -1 || ttl > 255) {
            ttl = -1;
        }
        if (sockit_set_multicast_ttl(sock, (int)ttl) < 0) {
            Die("Invalid TTL");
        }
    }
    sent = sockit_sendto(sock, argv[3], strlen(argv[3]), &group);
    if (sent < 0) {
        Die("Failed to send");
    }
    sockit_addr_format(&group, text, sizeof text);
    fprintf(stderr, "mcast_send: sent %lld bytes to %s\n", (long long)sent, text);
    sockit_close(sock);
    return 0;
}
