/*
 * c_file_server: the benchmark's baselines for file_server, in plain C on libc: one request
 * per connection (a file name on a line), the file's bytes back, then the connection
 * closes, one connection at a time. Sends with sendfile(2) ("sendfile"), or by reading into
 * a 64 KiB buffer and writing it out ("copy"), the way a server without sendfile does it.
 * Names are checked as file_server checks them (no '/', no "." or "..", no links).
 *
 *     c_file_server <port> <directory> sendfile|copy
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_net.h"

#define BUFSIZE 65536

/* Writes all of buf; -1 when the peer has gone. */
static int write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static void serve(int conn, int directory, int use_sendfile) {
    static char buf[BUFSIZE];
    char name[258];
    size_t used = 0;
    char *newline = NULL;
    struct stat info;
    off_t offset = 0;
    int fd;

    while (newline == NULL && used < sizeof name - 1) {
        ssize_t n = recv(conn, name + used, sizeof name - 1 - used, 0);
        if (n <= 0) {
            return;
        }
        used += (size_t)n;
        newline = memchr(name, '\n', used);
    }
    if (newline == NULL) {
        return;
    }
    *newline = '\0';
    if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        return;
    }
    fd = openat(directory, name, O_RDONLY | O_NOFOLLOW);
    if (fd < 0) {
        return;
    }
    if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
        if (use_sendfile) {
            while (offset < info.st_size) {
                ssize_t n = sendfile(conn, fd, &offset, (size_t)(info.st_size - offset));
                if (n < 0 && errno == EINTR) {
                    continue;
                }
                if (n <= 0) {
                    break;
                }
            }
        } else {
            ssize_t n;
            while ((n = read(fd, buf, sizeof buf)) > 0) {
                if (write_all(conn, buf, (size_t)n) < 0) {
                    break;
                }
            }
        }
    }
    close(fd);
}

int main(int argc, char *argv[]) {
    int listener, directory, use_sendfile;

    if (argc != 4 || (strcmp(argv[3], "sendfile") != 0 && strcmp(argv[3], "copy") != 0)) {
        fprintf(stderr, "USAGE: c_file_server <port> <directory> sendfile|copy\n");
        exit(1);
    }
    use_sendfile = strcmp(argv[3], "sendfile") == 0;
    signal(SIGPIPE, SIG_IGN); /* sendfile has no MSG_NOSIGNAL */
    if ((directory = open(argv[2], O_RDONLY | O_DIRECTORY)) < 0) {
        Die("open the directory");
    }
    listener = listen_dual_stack(argv[1], 0);
    for (;;) {
        int conn = accept(listener, NULL, NULL);
        if (conn < 0) {
            continue;
        }
        serve(conn, directory, use_sendfile);
        close(conn);
    }
}
