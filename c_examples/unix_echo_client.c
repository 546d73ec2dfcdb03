/*
 * unix_echo_client: the tutorial's echo client on a Unix domain socket.
 *
 *     unix_echo_client <path> <word>
 *
 * Connects to the server listening at <path> ("@name": an abstract name, on Linux), sends
 * the word, reads the echo back 32 bytes at a time until as many bytes came back as were
 * sent, and prints "Received: <word>".
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

    if (argc != 3) {
        fprintf(stderr, "USAGE: unix_echo_client <path> <word>\n");
        exit(1);
    }
    if (sockit_unix_connect(argv[1], CONNECT_TIMEOUT_MS, &sock) < 0) {
        Die("Failed to connect with server");
    }
    echolen = strlen(argv[2]);
    if (sockit_send_all(sock, argv[2], echolen) != (int64_t)echolen) {
        Die("Mismatch in number of sent bytes");
    }
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
