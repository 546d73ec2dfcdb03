/*
 * nonblocking_udp: the UDP tutorial's demonstration of a non-blocking socket.
 *
 *     nonblocking_udp <port>
 *
 * Binds a UDP socket to the port (0: any free one, reported on stderr as "listening on
 * [::]:<port>") and makes it non-blocking. A read on the empty socket does not wait: it
 * fails with SOCKIT_EAGAIN, "Resource temporarily unavailable", which the program tells
 * apart from a real error and reports as "nothing to read yet". Then it waits (sockit_poll,
 * up to 30 seconds) for a datagram to arrive, reads it, prints it, and shows that the socket
 * is empty again.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sockit.h"

#define BUFFSIZE 65535
#define WAIT_MS 30000

/* One non-blocking read: 1 if a datagram was printed, 0 if there was none yet. */
static int ReadOnce(sockit_socket sock) {
    char buffer[BUFFSIZE];
    char ip[SOCKIT_ADDRSTRLEN];
    sockit_addr sender;
    int64_t received;

    received = sockit_recvfrom(sock, buffer, sizeof buffer, &sender);
    if (received == SOCKIT_EAGAIN) {
        printf("recvfrom: %s: nothing to read yet\n", sockit_strerror((int)received));
        return 0;
    }
    if (received < 0) {
        Die("recvfrom failed"); /* a real error, unlike the one above */
    }
    sockit_addr_format_ip(&sender, ip, sizeof ip);
    /* The datagram may hold any bytes, NULs too: written as they are, not as a string */
    printf("Received %lld bytes from %s: ", (long long)received, ip);
    fwrite(buffer, 1, (size_t)received, stdout);
    printf("\n");
    return 1;
}

int main(int argc, char *argv[]) {
    sockit_socket sock;
    sockit_addr local;
    sockit_pollfd fds[1];
    char text[SOCKIT_ADDRSTRLEN];
    int port, ready;

    if (argc != 2) {
        fprintf(stderr, "USAGE: nonblocking_udp <port>\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[1])) < 0) {
        Die("Invalid port");
    }
    if (sockit_udp_bind(NULL, port, &sock) < 0) {
        Die("Failed to bind the socket");
    }
    if (sockit_set_nonblocking(sock, 1) < 0) {
        Die("Failed to make the socket non-blocking");
    }
    if (sockit_local_addr(sock, &local) < 0 ||
        sockit_addr_format(&local, text, sizeof text) < 0) {
        Die("Failed to read the socket's address");
    }
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    fprintf(stderr, "nonblocking_udp: listening on %s\n", text);
    ReadOnce(sock); /* the socket is empty: this does not wait */
    printf("Waiting for a datagram...\n");
    fds[0].sock = sock;
    fds[0].events = SOCKIT_POLL_READ;
    if ((ready = sockit_poll(fds, 1, WAIT_MS)) < 0) {
        Die("Failed to wait");
    }
    if (ready == 0) {
        fprintf(stderr, "No datagram in %d seconds\n", WAIT_MS / 1000);
        exit(1);
    }
    if (!ReadOnce(sock)) {
        Die("The socket was readable but had nothing");
    }
    ReadOnce(sock); /* empty again */
    sockit_close(sock);
    return 0;
}
