/*
 * chat_client: a client for chat_server that keeps its own main loop.
 *
 *     chat_client <server> <port>
 *
 * Lines typed on stdin go to the server; lines from the server are printed on stdout. The
 * program waits with poll() on stdin and on the sockit loop's descriptor
 * (sockit_loop_fd()), for at most sockit_loop_next_timeout(), and lets the loop do its
 * work with sockit_loop_run_once(loop, 0): the way a program with a main loop of its own
 * (a GUI toolkit's, a game's) embeds sockit. At the end of stdin it finishes sending and
 * exits once the server has closed the connection. Unix only (poll() on stdin).
 */
#define _POSIX_C_SOURCE 200809L /* poll(), read() */

#include <stdio.h>
#include <stdlib.h>

#include "sockit.h"

#ifdef _WIN32
int main(void) {
    fprintf(stderr, "chat_client: needs poll() on stdin (Unix); sockit_loop_fd() is "
                    "SOCKIT_EOPNOTSUPP on Windows\n");
    return 1;
}
#else
#include <poll.h>
#include <unistd.h>

static int connected; /* 1 once connected, -1 once the connection is over */

static void on_connect(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    (void)loop;
    (void)conn;
    (void)data;
    if (status != SOCKIT_OK) {
        fprintf(stderr, "chat_client: cannot connect: %s\n", sockit_strerror(status));
        return; /* on_close follows */
    }
    connected = 1;
}

static void on_data(sockit_loop *loop, sockit_handle conn, const void *bytes, size_t len,
                    void *data) {
    (void)loop;
    (void)conn;
    (void)data;
    fwrite(bytes, 1, len, stdout);
    fflush(stdout);
}

static void on_eof(sockit_loop *loop, sockit_handle conn, void *data) {
    (void)data;
    sockit_loop_close(loop, conn);
}

static void on_close(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    (void)loop;
    (void)conn;
    (void)data;
    if (status != SOCKIT_OK && connected == 1) {
        fprintf(stderr, "chat_client: connection lost: %s\n", sockit_strerror(status));
    }
    connected = -1;
}

int main(int argc, char *argv[]) {
    sockit_loop_callbacks callbacks = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    sockit_loop *loop;
    sockit_handle conn;
    struct pollfd fds[2];
    char buf[4096];
    int stdin_open = 1, port;

    if (argc != 3) {
        fprintf(stderr, "usage: chat_client <server> <port>\n");
        return 2;
    }
    if ((port = sockit_parse_port(argv[2])) < 0) {
        Die("Invalid port");
    }
    callbacks.on_connect = on_connect;
    callbacks.on_data = on_data;
    callbacks.on_eof = on_eof;
    callbacks.on_close = on_close;
    if (sockit_loop_new(&loop) < 0) {
        Die("Failed to create the loop");
    }
    if (sockit_loop_connect(loop, argv[1], port, 5000, &callbacks, NULL, &conn) < 0) {
        Die("Failed to connect");
    }
    fds[0].fd = sockit_loop_fd(loop);
    fds[0].events = POLLIN;
    fds[1].fd = STDIN_FILENO;
    fds[1].events = POLLIN;
    while (connected >= 0) {
        /* stdin is read only once connected, and until it ends */
        int watched = (connected == 1 && stdin_open) ? 2 : 1;
        if (poll(fds, (nfds_t)watched, sockit_loop_next_timeout(loop)) < 0) {
            Die("poll");
        }
        if (watched == 2 && (fds[1].revents & (POLLIN | POLLHUP))) {
            ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
            if (n > 0) {
                sockit_loop_write(loop, conn, buf, (size_t)n);
            } else {
                /* End of input: finish sending; the server closes, and so do we. */
                stdin_open = 0;
                sockit_loop_shutdown(loop, conn);
            }
        }
        if (sockit_loop_run_once(loop, 0) < 0) {
            Die("The loop failed");
        }
    }
    sockit_loop_free(loop);
    return 0;
}
#endif
