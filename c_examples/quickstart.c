/* quickstart: an echo client in a few lines.   quickstart <host> <port> <message> */
#include <stdio.h>
#include <string.h>

#include "sockit.h"

int main(int argc, char *argv[]) {
    sockit_socket sock;
    char reply[256];
    int64_t n;

    if (argc != 4) {
        fprintf(stderr, "usage: quickstart <host> <port> <message>\n");
        return 2;
    }
    /* A host name, an IPv4 or an IPv6 address; give up after 5 seconds. */
    if (sockit_tcp_connect(argv[1], sockit_parse_port(argv[2]), 5000, &sock) < 0) {
        Die("connect");
    }
    /* Send the whole message, then read exactly as many bytes back. */
    n = sockit_echo_tcp_exchange(sock, argv[3], strlen(argv[3]), reply, sizeof reply);
    if (n < 0) {
        Die("echo");
    }
    /* fwrite, not printf's %s: the reply may hold any bytes, a NUL too */
    printf("Received: ");
    fwrite(reply, 1, (size_t)n, stdout);
    printf("\n");
    sockit_close(sock);
    return 0;
}
