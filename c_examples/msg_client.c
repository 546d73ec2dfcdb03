/*
 * msg_client: sends messages to msg_echo_server and prints each one it gets back.
 *
 *     msg_client [-l] <server> <port> <message>...
 *
 * All the messages go out back to back in one write, as the HOWTO warns they may arrive
 * anyway: glued together. The replies are read from a non-blocking socket, waiting with
 * sockit_poll() as the HOWTO's select() loop does, and the reader hands back one whole
 * message at a time however the bytes arrive. Each reply is printed on its own line.
 *
 * Messages are length-prefixed, or with -l, lines ending in "\n" (a message must then not
 * hold a newline). Exits 1 if a reply is missing or differs from what was sent, or if the
 * server is silent for 10 seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

#define TIMEOUT_MS 10000

int main(int argc, char *argv[]) {
    sockit_socket sock;
    sockit_reader *reader;
    sockit_pollfd fds[1];
    const char *msg;
    char *out;
    size_t room = 0, used = 0;
    int64_t len;
    int lines = 0, port, first, i, replies = 0, rc;

    if (argc >= 2 && strcmp(argv[1], "-l") == 0) {
        lines = 1;
        argv++;
        argc--;
    }
    if (argc < 4) {
        fprintf(stderr, "USAGE: msg_client [-l] <server> <port> <message>...\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[2])) < 0) {
        Die("Invalid port");
    }
    first = 3;
    /* Frame every message into one buffer: 4 bytes of length or 1 of newline each */
    for (i = first; i < argc; i++) {
        room += strlen(argv[i]) + 4;
    }
    if ((out = malloc(room)) == NULL) {
        Die("Out of memory");
    }
    for (i = first; i < argc; i++) {
        if (lines) {
            len = sockit_encode_delimited(argv[i], strlen(argv[i]), "\n", 1, out + used,
                                          room - used);
        } else {
            len = sockit_encode_length_prefixed(argv[i], strlen(argv[i]), out + used,
                                                room - used);
        }
        if (len < 0) {
            fprintf(stderr, "Message %d cannot be framed: %s\n", i - first + 1,
                    sockit_strerror((int)len));
            exit(1);
        }
        used += (size_t)len;
    }
    if (sockit_tcp_connect(argv[1], port, TIMEOUT_MS, &sock) < 0) {
        Die("Failed to connect with server");
    }
    /* Send them all with one write */
    if (sockit_send_all(sock, out, used) != (int64_t)used) {
        Die("Failed to send the messages");
    }
    free(out);
    if (lines) {
        rc = sockit_reader_new_delimited(sock, "\n", 1, 65536, &reader);
    } else {
        rc = sockit_reader_new_length_prefixed(sock, 65536, &reader);
    }
    if (rc < 0 || sockit_set_nonblocking(sock, 1) < 0) {
        Die("Failed to set up the reader");
    }
    fds[0].sock = sock;
    fds[0].events = SOCKIT_POLL_READ;
    while (replies < argc - first) {
        /* Take every whole message that has arrived, then wait for more */
        len = sockit_reader_next(reader, &msg);
        if (len >= 0) {
            fwrite(msg, 1, (size_t)len, stdout); /* any bytes, NULs too */
            printf("\n");
            if ((size_t)len != strlen(argv[first + replies]) ||
                memcmp(msg, argv[first + replies], (size_t)len) != 0) {
                fprintf(stderr, "Reply %d differs from the message sent\n", replies + 1);
                exit(1);
            }
            replies++;
        } else if (len == SOCKIT_EAGAIN) {
            if ((rc = sockit_poll(fds, 1, TIMEOUT_MS)) == 0) {
                fprintf(stderr, "No reply for %d seconds\n", TIMEOUT_MS / 1000);
                exit(1);
            } else if (rc < 0) {
                Die("Failed to wait for the server");
            }
        } else {
            fprintf(stderr, "After %d replies of %d: %s\n", replies, argc - first,
                    sockit_strerror((int)len));
            exit(1);
        }
    }
    sockit_reader_free(reader);
    sockit_close(sock);
    return 0;
}
