/*
 * file_server: serves the files of one directory, a file per connection.
 *
 *     file_server <port> <directory>
 *
 * A client sends a file name on one line ("notes.txt\n"); the server sends the file's bytes
 * back, as they are, and closes the connection. Only the files directly in <directory> are
 * served: a name with a '/' (an absolute path, a subdirectory, a way up), "." and "..", a
 * symbolic link (it may point anywhere) and anything but a regular file are refused, as are
 * names longer than 255 bytes or with a NUL in them, and a line that does not come within 10
 * seconds. A refused or failed request gets no
 * bytes but a reset, so that a client tells it from an empty file, and a line on stderr says
 * why (never the name, which may hold anything).
 *
 * The bytes go out with sockit_sendfile(): from the file to the socket inside the kernel.
 * Clients are served on threads (the server framework's threaded mode). SIGINT or SIGTERM
 * stops the server. Reports "listening on [::]:<port>" on stderr. POSIX only (openat,
 * O_NOFOLLOW).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockit.h"

#define MAXNAME 255

static sockit_server *server;

static void StopServer(int signum) {
    (void)signum;
    sockit_server_stop(server); /* safe in a signal handler */
}

/* Ends the request without a byte: the close that follows resets the connection. */
static void Refuse(sockit_socket sock, const char *why) {
    fprintf(stderr, "file_server: refused: %s\n", why);
    sockit_set_linger(sock, 1, 0);
}

/* Reads one line, the name, into name (NUL-terminated, without its newline). Returns its
 * length, or -1 (with why set) for a request that is no name. */
static int ReadName(sockit_socket sock, char *name, const char **why) {
    int used = 0;
    int64_t received;

    for (;;) {
        received = sockit_recv(sock, name + used, (size_t)(MAXNAME + 2 - used));
        if (received <= 0) {
            *why = "the client sent no whole line";
            return -1;
        }
        used += (int)received;
        if (memchr(name, '\n', (size_t)used) != NULL) {
            break;
        }
        if (used >= MAXNAME + 2) {
            *why = "a name longer than 255 bytes";
            return -1;
        }
    }
    used = (int)((char *)memchr(name, '\n', (size_t)used) - name);
    if (used > 0 && name[used - 1] == '\r') {
        used--;
    }
    name[used] = '\0';
    if (used == 0 || memchr(name, '\0', (size_t)used) != NULL) {
        *why = "an empty name, or one with a NUL";
        return -1;
    }
    return used;
}

/* One request: a name, then the file's bytes. */
static void ServeFile(sockit_socket sock, const sockit_addr *client, void *user) {
    int directory = *(const int *)user;
    char name[MAXNAME + 3];
    const char *why = NULL;
    struct stat info;
    int64_t sent;
    int fd;

    (void)client;
    sockit_set_read_timeout(sock, 10000); /* a client that never ends its line goes */
    if (ReadName(sock, name, &why) < 0) {
        Refuse(sock, why);
        return;
    }
    /* Nothing outside the directory: no path, no way up, no link to elsewhere */
    if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        Refuse(sock, "a name that is a path");
        return;
    }
    fd = openat(directory, name, O_RDONLY | O_NOFOLLOW);
    if (fd < 0) {
        Refuse(sock, errno == ELOOP ? "a symbolic link" : strerror(errno));
        return;
    }
    if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        Refuse(sock, "not a regular file");
        close(fd);
        return;
    }
    sent = sockit_sendfile(sock, fd, 0, (int64_t)info.st_size);
    if (sent < 0) {
        fprintf(stderr, "file_server: sending failed: %s\n", sockit_strerror((int)sent));
    } else if (sent < (int64_t)info.st_size) {
        fprintf(stderr, "file_server: the file shrank while it was sent\n");
    }
    close(fd);
}

int main(int argc, char *argv[]) {
    char text[SOCKIT_ADDRSTRLEN];
    sockit_addr address;
    int port, directory;

    if (argc != 3) {
        fprintf(stderr, "USAGE: file_server <port> <directory>\n");
        exit(1);
    }
    if ((port = sockit_parse_port(argv[1])) < 0) {
        Die("Invalid port");
    }
    if ((directory = open(argv[2], O_RDONLY | O_DIRECTORY)) < 0) {
        Die("Cannot open the directory");
    }
    if (sockit_server_new(SOCKIT_TCP, NULL, port, SOCKIT_THREADED, &server) < 0) {
        Die("Failed to create the server");
    }
    if (sockit_server_set_tcp_handler(server, ServeFile, &directory) < 0) {
        Die("Failed to set the handler");
    }
    if (sockit_server_addr(server, &address) < 0 ||
        sockit_addr_format(&address, text, sizeof text) < 0) {
        Die("Failed to read the server address");
    }
    signal(SIGINT, StopServer);
    signal(SIGTERM, StopServer);
    fprintf(stderr, "file_server: listening on %s\n", text);
    if (sockit_server_run(server) < 0) {
        Die("Server failed");
    }
    sockit_server_free(server);
    close(directory);
    fprintf(stderr, "file_server: stopped\n");
    return 0;
}
