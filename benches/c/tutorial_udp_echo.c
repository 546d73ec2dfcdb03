/*
 * tutorial_udp_echo: the sockets tutorial's UDP echo server on plain POSIX sockets: a
 * recvfrom/sendto loop with a 255-byte buffer that prints each client on stderr. The
 * baseline "tutorial C" of the UDP benchmark; with "quiet" it skips the print, the loop
 * alone. With "dual-stack" it is the same loop on an IPv6 socket that also takes IPv4
 * (IPV6_V6ONLY off, as sockit_udp_bind() makes with no host): IPv4 clients arrive as
 * ::ffff:a.b.c.d and are printed as a.b.c.d. It measures what dual-stack itself costs.
 *
 *     tutorial_udp_echo <port> [quiet|dual-stack]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFSIZE 255

static void Die(const char *mess) {
    perror(mess);
    exit(1);
}

/* The tutorial's loop on a dual-stack IPv6 socket. */
static void DualStack(unsigned short port) {
    struct sockaddr_in6 echoserver, echoclient;
    struct in_addr v4;
    char buffer[BUFFSIZE];
    socklen_t clientlen;
    ssize_t received;
    int sock, zero = 0;

    if ((sock = socket(PF_INET6, SOCK_DGRAM, IPPROTO_UDP)) < 0) {
        Die("Failed to create socket");
    }
    setsockopt(sock, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    memset(&echoserver, 0, sizeof(echoserver));
    echoserver.sin6_family = AF_INET6;
    echoserver.sin6_addr = in6addr_any;
    echoserver.sin6_port = htons(port);
    if (bind(sock, (struct sockaddr *)&echoserver, sizeof(echoserver)) < 0) {
        Die("Failed to bind server socket");
    }
    while (1) {
        clientlen = sizeof(echoclient);
        if ((received = recvfrom(sock, buffer, BUFFSIZE, 0, (struct sockaddr *)&echoclient,
                                 &clientlen)) < 0) {
            Die("Failed to receive message");
        }
        memcpy(&v4, &echoclient.sin6_addr.s6_addr[12], sizeof v4); /* ::ffff:a.b.c.d */
        fprintf(stderr, "Client connected: %s\n", inet_ntoa(v4));
        if (sendto(sock, buffer, (size_t)received, 0, (struct sockaddr *)&echoclient,
                   sizeof(echoclient)) != received) {
            Die("Mismatch in number of echo'd bytes");
        }
    }
}

int main(int argc, char *argv[]) {
    struct sockaddr_in echoserver, echoclient;
    char buffer[BUFFSIZE];
    socklen_t clientlen;
    ssize_t received;
    int sock, quiet;

    if (argc != 2 && argc != 3) {
        fprintf(stderr, "USAGE: tutorial_udp_echo <port> [quiet|dual-stack]\n");
        exit(1);
    }
    if (argc == 3 && strcmp(argv[2], "dual-stack") == 0) {
        DualStack((unsigned short)atoi(argv[1]));
    }
    quiet = argc == 3 && strcmp(argv[2], "quiet") == 0;
    if ((sock = socket(PF_INET, SOCK_DGRAM, IPPROTO_UDP)) < 0) {
        Die("Failed to create socket");
    }
    memset(&echoserver, 0, sizeof(echoserver));
    echoserver.sin_family = AF_INET;
    echoserver.sin_addr.s_addr = htonl(INADDR_ANY);
    echoserver.sin_port = htons((unsigned short)atoi(argv[1]));
    if (bind(sock, (struct sockaddr *)&echoserver, sizeof(echoserver)) < 0) {
        Die("Failed to bind server socket");
    }
    /* Run until cancelled */
    while (1) {
        clientlen = sizeof(echoclient);
        if ((received = recvfrom(sock, buffer, BUFFSIZE, 0, (struct sockaddr *)&echoclient,
                                 &clientlen)) < 0) {
            Die("Failed to receive message");
        }
        if (!quiet) {
            fprintf(stderr, "Client connected: %s\n", inet_ntoa(echoclient.sin_addr));
        }
        if (sendto(sock, buffer, (size_t)received, 0, (struct sockaddr *)&echoclient,
                   sizeof(echoclient)) != received) {
            Die("Mismatch in number of echo'd bytes");
        }
    }
}
