/*
 * multi_echo_client: many echo exchanges at once from one thread, in sockit's event loop.
 *
 *     multi_echo_client <count> <host> <port> <word>
 *
 * Opens count connections to an echo server at once, sends word on each and waits for it
 * to come back whole, within 5 seconds per connection. Prints "Received: <word>" for each
 * echo, then a summary ("<n> of <count> echoed"); exits with status 1 if any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit.h"

#define TIMEOUT_MS 5000

/* One connection: what came back so far, and its timer. */
struct exchange {
    size_t received;
    sockit_handle timer;
    int done;
};

static const char *word;
static size_t word_len;
static int echoed, finished, count;
static char *echo_buffer;

static void finish(sockit_loop *loop, struct exchange *x) {
    if (!x->done) {
        x->done = 1;
        sockit_loop_close(loop, x->timer);
        if (++finished == count) {
            sockit_loop_stop(loop);
        }
    }
}

static void too_slow(sockit_loop *loop, sockit_handle timer, void *arg) {
    (void)timer;
    fprintf(stderr, "multi_echo_client: no whole echo within %d ms\n", TIMEOUT_MS);
    ((struct exchange *)arg)->timer = SOCKIT_NO_HANDLE; /* one-shot: closed after this call */
    finish(loop, arg);
}

static void on_connect(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    if (status != SOCKIT_OK) {
        fprintf(stderr, "multi_echo_client: connect: %s\n", sockit_strerror(status));
        return; /* on_close follows */
    }
    (void)data;
    sockit_loop_write(loop, conn, word, word_len);
}

static void on_data(sockit_loop *loop, sockit_handle conn, const void *bytes, size_t len,
                    void *data) {
    struct exchange *x = data;
    /* Only the bytes of one echo are kept; more would be a server's mistake. */
    if (x->received + len > word_len || memcmp(bytes, word + x->received, len) != 0) {
        fprintf(stderr, "multi_echo_client: the echo differs\n");
        sockit_loop_abort(loop, conn);
        return;
    }
    x->received += len;
    if (x->received == word_len) {
        memcpy(echo_buffer, word, word_len);
        printf("Received: %s\n", echo_buffer);
        echoed++;
        sockit_loop_close(loop, conn);
    }
}

static void on_close(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    struct exchange *x = data;
    (void)conn;
    (void)status;
    finish(loop, x);
}

int main(int argc, char *argv[]) {
    sockit_loop_callbacks callbacks = {on_connect, on_data, NULL, on_close, NULL, NULL, NULL};
    struct exchange *exchanges;
    sockit_loop *loop;
    int port, i;

    if (argc != 5) {
        fprintf(stderr, "usage: multi_echo_client <count> <host> <port> <word>\n");
        return 2;
    }
    count = atoi(argv[1]);
    if (count < 1 || (port = sockit_parse_port(argv[3])) < 0) {
        fprintf(stderr, "multi_echo_client: bad count or port\n");
        return 2;
    }
    word = argv[4];
    word_len = strlen(word);
    exchanges = calloc((size_t)count, sizeof *exchanges);
    echo_buffer = calloc(word_len + 1, 1);
    if (exchanges == NULL || echo_buffer == NULL || word_len == 0) {
        fprintf(stderr, "multi_echo_client: out of memory, or an empty word\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
    if (sockit_loop_new(&loop) < 0) {
        Die("Failed to create the loop");
    }
    for (i = 0; i < count; i++) {
        sockit_handle conn;
        if (sockit_loop_timer(loop, TIMEOUT_MS, 0, too_slow, &exchanges[i], &exchanges[i].timer) < 0 ||
            sockit_loop_connect(loop, argv[2], port, TIMEOUT_MS, &callbacks, &exchanges[i], &conn) < 0) {
            Die("Failed to start a connection");
        }
    }
    if (sockit_loop_run(loop) < 0) {
        Die("The loop failed");
    }
    sockit_loop_free(loop);
    printf("%d of %d echoed\n", echoed, count);
    free(exchanges);
    free(echo_buffer);
    return echoed == count ? 0 : 1;
}
