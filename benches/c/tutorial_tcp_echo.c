/*
 * tutorial_tcp_echo: the sockets tutorial's TCP echo server on plain POSIX sockets, as users
 * run it today: one client at a time, a 32-byte buffer, a listen queue of 5. The baseline
 * "tutorial C" of the benchmarks. The only change: a client that resets ends that client,
 * not the server, so that a benchmark run can go on.
 *
 *     tutorial_tcp_echo <port> [buffer-bytes]
 *
 * With a buffer size (the benchmarks' "c-blocking": 16384, as sockit's HandleClient and
 * tcp_multi_echo_server's blocking handler use) it is the same loop with a larger buffer:
 * what sockit's blocking modes are measured against when streaming.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXPENDING 5 /* Max connection requests */
#define BUFFSIZE 32

static void Die(const char *mess) {
    perror(mess);
    exit(1);
}

static void HandleClient(int sock, char *buffer, size_t size) {
    ssize_t received;

    /* Send back what arrives until the client closes */
    while ((received = recv(sock, buffer, size, 0)) > 0) {
        if (send(sock, buffer, (size_t)received, MSG_NOSIGNAL) != received) {
            break;
        }
    }
    close(sock);
}

int main(int argc, char *argv[]) {
    struct sockaddr_in echoserver, echoclient;
    int serversock, clientsock, one = 1;
    size_t size = BUFFSIZE;
    char *buffer;

    if (argc != 2 && argc != 3) {
        fprintf(stderr, "USAGE: tutorial_tcp_echo <port> [buffer-bytes]\n");
        exit(1);
    }
    if (argc == 3 && (size = (size_t)atol(argv[2])) == 0) {
        fprintf(stderr, "tutorial_tcp_echo: invalid buffer size %s\n", argv[2]);
        exit(1);
    }
    if ((buffer = malloc(size)) == NULL) {
        Die("malloc");
    }
    if ((serversock = socket(PF_INET, SOCK_STREAM, IPPROTO_TCP)) < 0) {
        Die("Failed to create socket");
    }
    setsockopt(serversock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&echoserver, 0, sizeof(echoserver));
    echoserver.sin_family = AF_INET;
    echoserver.sin_addr.s_addr = htonl(INADDR_ANY);
    echoserver.sin_port = htons((unsigned short)atoi(argv[1]));
    if (bind(serversock, (struct sockaddr *)&echoserver, sizeof(echoserver)) < 0) {
        Die("Failed to bind the server socket");
    }
    if (listen(serversock, MAXPENDING) < 0) {
        Die("Failed to listen on server socket");
    }
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    /* Run until cancelled */
    while (1) {
        socklen_t clientlen = sizeof(echoclient);
        if ((clientsock = accept(serversock, (struct sockaddr *)&echoclient, &clientlen)) < 0) {
            Die("Failed to accept client connection");
        }
        fprintf(stdout, "Client connected: %s\n", inet_ntoa(echoclient.sin_addr));
        HandleClient(clientsock, buffer, size);
    }
}
