/*
 * echo_server_one_call: the tutorial's TCP or UDP echo server, each in one library call.
 *
 *     echo_server_one_call tcp|udp <port>
 *
 * Prints "Client connected: <ip>" on stdout for each client (TCP) or datagram (UDP) and echoes
 * it. Serves IPv4 and IPv6; port 0 picks a free port, reported on stderr. Runs until killed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

/* Called by the server for each client; returning non-zero would stop the server. */
static int report_client(const sockit_addr *peer, void *user) {
    char ip[SOCKIT_ADDRSTRLEN];
    (void)user;
    if (sockit_addr_format_ip(peer, ip, sizeof ip) < 0) {
        strcpy(ip, "(no address)");
    }
    printf("Client connected: %s\n", ip);
    return 0;
}

int main(int argc, char *argv[]) {
    sockit_socket sock;
    sockit_addr local;
    char text[SOCKIT_ADDRSTRLEN];
    int port, tcp, rc;

    if (argc != 3 || (strcmp(argv[1], "tcp") != 0 && strcmp(argv[1], "udp") != 0)) {
        fprintf(stderr, "USAGE: %s tcp|udp <port>\n", argv[0]);
        exit(1);
    }
    tcp = strcmp(argv[1], "tcp") == 0;
    if ((port = sockit_parse_port(argv[2])) < 0) {
        Die("Invalid port");
    }
    rc = tcp ? sockit_tcp_listen(NULL, port, 16, &sock) : sockit_udp_bind(NULL, port, &sock);
    if (rc < 0) {
        Die("Failed to create the server socket");
    }
    if (sockit_local_addr(sock, &local) < 0 || sockit_addr_format(&local, text, sizeof text) < 0) {
        Die("Failed to read the server address");
    }
    fprintf(stderr, "echo_server_one_call: %s listening on %s\n", argv[1], text);
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);

    rc = tcp ? sockit_echo_tcp_server(sock, report_client, NULL)
             : sockit_echo_udp_server(sock, report_client, NULL);
    if (rc < 0) {
        Die("The server stopped");
    }
    sockit_close(sock);
    return 0;
}
