/*
 * tutorial_udp_echo: the sockets tutorial's UDP echo server on plain POSIX sockets: a
 * recvfrom/sendto loop with a 255-byte buffer that prints each client on stderr. The
 * baseline "tutorial C" of the UDP benchmark; with "quiet" it skips the print, the loop
 * alone.
 *
 *     tutorial_udp_echo <port> [quiet]
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

int main(int argc, char *argv[]) {
    struct sockaddr_in echoserver, echoclient;
    char buffer[BUFFSIZE];
    socklen_t clientlen;
    ssize_t received;
    int sock, quiet;

    if (argc != 2 && argc != 3) {
        fprintf(stderr, "USAGE: tutorial_udp_echo <port> [quiet]\n");
        exit(1);
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
