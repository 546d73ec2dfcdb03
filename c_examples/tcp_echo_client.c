/*
 * tcp_echo_client: the sockets tutorial's TCP echo client, ported to sockit.
 *
 *     tcp_echo_client <server> <word> <port>
 *
 * Connects, sends the word, reads the echo back 32 bytes at a time until as many bytes came
 * back as were sent, prints "Received: <word>". What changed from the tutorial:
 * - <server> may be a host name, an IPv4 or an IPv6 address (sockit_tcp_connect tries each
 *   address of the name in turn), and the port is checked instead of atoi()'d;
 * - the echo is written with fwrite, not as printf's format string, and no byte is written
 *   past the buffer;
 * - Die() comes from the library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

#define BUFFSIZE 32
#define CONNECT_TIMEOUT_MS 10000

int main(int argc, char *argv[]) {
    sockit_socket sock;
    char buffer[BUFFSIZE];
    size_t echolen;
    size_t received = 0;
    int port;

    if (argc != 4) {
        fprintf(stderr, "USAGE: TCPecho <server_ip> <word> <port>\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[3])) < 0) {
        Die("Invalid port");
    }
    /* Establish connection */
    if (sockit_tcp_connect(argv[1], port, CONNECT_TIMEOUT_MS, &sock) < 0) {
        Die("Failed to connect with server");
    }
    /* Send the word to the server */
    echolen = strlen(argv[2]);
    if (sockit_send_all(sock, argv[2], echolen) != (int64_t)echolen) {
        Die("Mismatch in number of sent bytes");
    }
    /* Receive the word back from the server */
    fprintf(stdout, "Received: ");
    while (received < echolen) {
        int64_t bytes = sockit_recv(sock, buffer, BUFFSIZE);
        if (bytes < 1) {
            fprintf(stdout, "\n");
            Die("Failed to receive bytes from server");
        }
        received += (size_t)bytes;
        fwrite(buffer, 1, (size_t)bytes, stdout);
    }
    fprintf(stdout, "\n");
    sockit_close(sock);
    exit(0);
}
