/*
 * loop_check: uses sockit_loop through its C ABI the way careless programs do, and prints
 * what came back, one "call: result" line each; tests/event_loop/programs.rs compares the lines.
 *
 *     loop_check handles     closed, foreign and made-up handles; calls from callbacks
 *     loop_check timers      timers in due order, a repeating one closed from its callback
 *     loop_check post        8 threads x 10,000 posts: each runs once, in order per thread
 *     loop_check work        blocking work on the pool, its done callback on the loop
 *     loop_check signal      sockit_loop_stop() from a signal handler ends sockit_loop_run()
 *     loop_check embed       a poll() loop of the program's own drives the loop (Unix)
 *     loop_check conns       connections closed in each of their callbacks, closed twice,
 *                            written to after closing; a loop freed with connections open
 *     loop_check messages    a line server: whole lines, one too long, a cut last one, and
 *                            pausing in the middle of what arrived at once
 *     loop_check udp         two UDP sockets of one loop: a ping and its echo; bad sends
 *     loop_check unix <path> a line server on a Unix domain socket at path: a connect to
 *                            nothing, one to path, an adopted socket; names, credentials
 *     loop_check cycles <count>
 *                            count connect/close cycles (64 at a time) through a listener
 *                            of the same loop: descriptors and memory do not grow (Linux)
 *     loop_check connect <host> <port> <timeout_ms>
 *                            one connect in the loop, and what its callbacks are told
 */
#ifdef __linux__
#define _POSIX_C_SOURCE 200809L /* dup(), sysconf(), getpid(), getuid() */
#include <unistd.h>
#ifdef __linux__
#include <sys/resource.h>
#endif
#endif

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <poll.h>
#endif

#include "sockit.h"

static void show(const char *call, long long rc) {
    if (rc < 0) {
        printf("%s: %s\n", call, sockit_err_name((int)rc));
    } else {
        printf("%s: %lld\n", call, rc);
    }
}

#define SHOW(call) show(#call, (long long)(call))

/* sockit_loop_next_timeout() returns SOCKIT_FOREVER (-1), which is no error code. */
static void show_timeout(const char *call, int rc) {
    if (rc == SOCKIT_FOREVER) {
        printf("%s: SOCKIT_FOREVER\n", call);
    } else {
        show(call, rc);
    }
}

#define SHOW_TIMEOUT(call) show_timeout(#call, (call))

static void must(int rc, const char *what) {
    if (rc < 0) {
        Die(what);
    }
}

/* ---- handles ---- */

static void never(sockit_loop *loop, sockit_handle timer, void *arg) {
    (void)loop;
    (void)timer;
    (void)arg;
    printf("a closed timer ran\n");
}

/* Closes itself, twice, then tries what a callback must not do. */
static void rude(sockit_loop *loop, sockit_handle timer, void *arg) {
    (void)arg;
    SHOW(sockit_loop_close(loop, timer));
    SHOW(sockit_loop_close(loop, timer));
    SHOW(sockit_loop_run(loop));
    SHOW(sockit_loop_run_once(loop, 0));
    SHOW(sockit_loop_free(loop));
    sockit_loop_stop(loop);
}

static int handles(void) {
    sockit_loop *loop, *other, *successor;
    sockit_handle timer, theirs, stale, fresh;
    void *data = NULL;
    int x = 42;

    must(sockit_loop_new(&loop), "loop");
    must(sockit_loop_new(&other), "other loop");
    SHOW(sockit_loop_new(NULL));
    SHOW(sockit_loop_free(NULL));
    SHOW(sockit_loop_run(NULL));
    SHOW(sockit_loop_run_once(NULL, 0));
    SHOW(sockit_loop_run_once(loop, -2));
    SHOW(sockit_loop_stop(NULL));
    SHOW_TIMEOUT(sockit_loop_next_timeout(NULL));
    SHOW_TIMEOUT(sockit_loop_next_timeout(loop));
    SHOW(sockit_loop_timer(loop, -1, 0, never, NULL, &timer));
    SHOW(sockit_loop_timer(loop, 10, -1, never, NULL, &timer));
    SHOW(sockit_loop_timer(loop, 10, 0, NULL, NULL, &timer));
    SHOW(sockit_loop_timer(NULL, 10, 0, never, NULL, &timer));
    SHOW(sockit_loop_close(loop, SOCKIT_NO_HANDLE));
    SHOW(sockit_loop_close(loop, (sockit_handle)-1));
    SHOW(sockit_loop_close(loop, 12345));

    must(sockit_loop_timer(loop, 60000, 0, never, NULL, &timer), "timer");
    must(sockit_loop_timer(other, 60000, 0, never, NULL, &theirs), "their timer");
    SHOW(sockit_handle_set_data(loop, timer, &x));
    SHOW(sockit_handle_data(loop, timer, &data));
    printf("data kept: %s\n", data == &x ? "yes" : "no");
    SHOW(sockit_handle_data(loop, timer, NULL));
    SHOW(sockit_loop_close(loop, theirs));
    SHOW(sockit_handle_data(loop, theirs, &data));
    SHOW(sockit_loop_close(loop, timer));
    SHOW(sockit_loop_close(loop, timer));
    data = &x;
    SHOW(sockit_handle_data(loop, timer, &data));
    printf("data untouched: %s\n", data == &x ? "yes" : "no");
    SHOW(sockit_handle_set_data(loop, timer, NULL));
    SHOW(sockit_loop_run_once(loop, 0));

    /* A handle of a freed loop means nothing to the loop made after it. */
    must(sockit_loop_timer(loop, 60000, 0, never, NULL, &stale), "stale timer");
    SHOW(sockit_loop_free(loop));
    must(sockit_loop_new(&successor), "successor");
    must(sockit_loop_timer(successor, 60000, 0, never, NULL, &fresh), "fresh timer");
    SHOW(sockit_loop_close(successor, stale));
    SHOW(sockit_handle_data(successor, stale, &data));
    SHOW(sockit_loop_close(successor, fresh));

    /* What a callback must not do is refused. */
    must(sockit_loop_timer(successor, 0, 0, rude, NULL, NULL), "rude timer");
    SHOW(sockit_loop_run(successor));
    SHOW(sockit_loop_free(successor));
    SHOW(sockit_loop_close(other, theirs));
    SHOW(sockit_loop_free(other));
    return 0;
}

/* ---- timers ---- */

struct ticks {
    int count;
    sockit_handle repeating;
};

static void say(sockit_loop *loop, sockit_handle timer, void *arg) {
    (void)loop;
    (void)timer;
    printf("timer %s\n", (const char *)arg);
}

static void tick(sockit_loop *loop, sockit_handle timer, void *arg) {
    struct ticks *ticks = arg;
    ticks->count++;
    printf("tick %d\n", ticks->count);
    if (ticks->count == 3) {
        SHOW(sockit_loop_close(loop, timer));
        sockit_loop_stop(loop);
    }
}

static int timers(void) {
    sockit_loop *loop;
    struct ticks ticks = {0, SOCKIT_NO_HANDLE};
    sockit_handle cancelled;

    must(sockit_loop_new(&loop), "loop");
    must(sockit_loop_timer(loop, 300, 0, say, "at 300 ms", NULL), "timer");
    must(sockit_loop_timer(loop, 0, 0, say, "at 0 ms, first", NULL), "timer");
    must(sockit_loop_timer(loop, 100, 0, say, "at 100 ms", NULL), "timer");
    must(sockit_loop_timer(loop, 0, 0, say, "at 0 ms, second", NULL), "timer");
    must(sockit_loop_timer(loop, 200, 0, say, "cancelled", &cancelled), "timer");
    must(sockit_loop_close(loop, cancelled), "cancel");
    must(sockit_loop_timer(loop, 500, 20, tick, &ticks, &ticks.repeating), "repeating");
    SHOW(sockit_loop_run(loop));
    SHOW(sockit_loop_close(loop, ticks.repeating));
    SHOW(sockit_loop_free(loop));
    return 0;
}

/* ---- post ---- */

#define POSTERS 8
#define POSTS 10000

struct post {
    int thread;
    int seq;
};

static int next_seq[POSTERS];
static int out_of_order;
static int posted_total;
static sockit_loop *post_loop;

static void posted(sockit_loop *loop, void *arg) {
    struct post *post = arg;
    if (post->seq != next_seq[post->thread]) {
        out_of_order++;
    }
    next_seq[post->thread] = post->seq + 1;
    free(post);
    if (++posted_total == POSTERS * POSTS) {
        sockit_loop_stop(loop);
    }
}

static void *poster(void *arg) {
    int thread = *(int *)arg;
    int i;
    for (i = 0; i < POSTS; i++) {
        struct post *post = malloc(sizeof *post);
        if (post == NULL) {
            abort();
        }
        post->thread = thread;
        post->seq = i;
        if (sockit_loop_post(post_loop, posted, post) != SOCKIT_OK) {
            abort();
        }
    }
    return NULL;
}

static int post(void) {
    pthread_t threads[POSTERS];
    int ids[POSTERS];
    int i;

    must(sockit_loop_new(&post_loop), "loop");
    SHOW(sockit_loop_post(post_loop, NULL, NULL));
    SHOW(sockit_loop_post(NULL, posted, NULL));
    for (i = 0; i < POSTERS; i++) {
        ids[i] = i;
        if (pthread_create(&threads[i], NULL, poster, &ids[i]) != 0) {
            Die("pthread_create");
        }
    }
    SHOW(sockit_loop_run(post_loop));
    for (i = 0; i < POSTERS; i++) {
        pthread_join(threads[i], NULL);
    }
    printf("posts run: %d, out of order: %d\n", posted_total, out_of_order);
    SHOW(sockit_loop_free(post_loop));
    return 0;
}

/* ---- work ---- */

struct job {
    int input;
    int output;
};

static void square(void *arg) {
    struct job *job = arg;
    job->output = job->input * job->input;
}

static void squared(sockit_loop *loop, void *arg) {
    struct job *job = arg;
    printf("done: %d squared is %d\n", job->input, job->output);
    sockit_loop_stop(loop);
}

static int work(void) {
    sockit_loop *loop;
    struct job job = {12, 0};

    must(sockit_loop_new(&loop), "loop");
    SHOW(sockit_loop_queue_work(loop, NULL, squared, &job));
    SHOW(sockit_loop_queue_work(loop, square, NULL, &job));
    SHOW(sockit_loop_queue_work(loop, square, squared, &job));
    SHOW(sockit_loop_run(loop));
    SHOW(sockit_loop_free(loop));
    return 0;
}

#ifdef __linux__
/* ---- work when the process cannot start a thread ---- */

static void unreachable_work(void *arg) {
    (void)arg;
    puts("work ran");
}

static void unreachable_done(sockit_loop *loop, void *arg) {
    (void)loop;
    (void)arg;
    puts("done ran");
}

static int no_threads(void) {
    sockit_loop *loop;
    struct rlimit one = {1, 1};

    must(sockit_loop_new(&loop), "loop");
    /* RLIMIT_NPROC does not hold root back: become nobody, then allow one process. */
    if ((getuid() == 0 && setuid(65534) != 0) || setrlimit(RLIMIT_NPROC, &one) != 0) {
        Die("limit");
    }
    SHOW(sockit_loop_queue_work(loop, unreachable_work, unreachable_done, NULL));
    SHOW(sockit_loop_run_once(loop, 0));
    SHOW(sockit_loop_free(loop));
    return 0;
}
#endif

/* ---- stop from a signal handler ---- */

static sockit_loop *signal_loop;

static void on_signal(int sig) {
    (void)sig;
    sockit_loop_stop(signal_loop); /* safe in a signal handler */
}

static void raise_signal(sockit_loop *loop, sockit_handle timer, void *arg) {
    (void)loop;
    (void)timer;
    (void)arg;
    raise(SIGINT);
}

static int stop_by_signal(void) {
    must(sockit_loop_new(&signal_loop), "loop");
    signal(SIGINT, on_signal);
    must(sockit_loop_timer(signal_loop, 10, 0, raise_signal, NULL, NULL), "timer");
    SHOW(sockit_loop_run(signal_loop));
    SHOW(sockit_loop_free(signal_loop));
    return 0;
}

/* ---- a poll() loop of the program's own ---- */

#ifndef _WIN32
static void woken(sockit_loop *loop, void *arg) {
    (void)loop;
    *(int *)arg = 1;
}

static void *wake_later(void *arg) {
    sockit_loop_post(post_loop, woken, arg);
    return NULL;
}


static void timer_done(sockit_loop *loop, sockit_handle timer, void *arg) {
    (void)loop;
    (void)timer;
    *(int *)arg = 1;
}

static int embed(void) {
    struct pollfd fds[1];
    pthread_t thread;
    int posted_flag = 0, timer_flag = 0, rounds = 0, fd;

    must(sockit_loop_new(&post_loop), "loop");
    fd = sockit_loop_fd(post_loop);
    printf("sockit_loop_fd: %s\n", fd >= 0 ? "a descriptor" : sockit_err_name(fd));
    SHOW(sockit_loop_fd(NULL));
    SHOW_TIMEOUT(sockit_loop_next_timeout(post_loop));
    must(sockit_loop_timer(post_loop, 50, 0, timer_done, &timer_flag, NULL), "timer");
    printf("next timeout at most 50: %s\n", sockit_loop_next_timeout(post_loop) <= 50 ? "yes" : "no");
    if (pthread_create(&thread, NULL, wake_later, &posted_flag) != 0) {
        Die("pthread_create");
    }
    /* The program's own loop: it waits on its descriptors and sockit's, for sockit's timeout. */
    while ((!posted_flag || !timer_flag) && rounds < 1000) {
        int timeout = sockit_loop_next_timeout(post_loop);
        fds[0].fd = fd;
        fds[0].events = POLLIN;
        fds[0].revents = 0;
        if (poll(fds, 1, timeout) < 0) {
            Die("poll");
        }
        must(sockit_loop_run_once(post_loop, 0), "run_once");
        rounds++;
    }
    pthread_join(thread, NULL);
    printf("post seen: %s, timer seen: %s\n", posted_flag ? "yes" : "no", timer_flag ? "yes" : "no");
    printf("rounds: %s\n", rounds < 100 ? "few" : "too many");
    SHOW(sockit_loop_free(post_loop));
    return 0;
}
#endif

/* ---- connections ---- */

static const char *const close_in[] = {"connect", "data", "eof", "close", "queue_full", "drain"};
#define KINDS (sizeof close_in / sizeof close_in[0])

struct client {
    size_t kind;
    int port;
    int closed;
};

static sockit_loop_callbacks client_callbacks;

static void start_client(sockit_loop *loop, struct client *client);

/* Closes conn if this is the callback its kind closes in, then shows what closing did. */
static void maybe_close(sockit_loop *loop, sockit_handle conn, struct client *client,
                        const char *callback) {
    if (strcmp(close_in[client->kind], callback) != 0 || client->closed) {
        return;
    }
    client->closed = 1;
    SHOW(sockit_loop_close(loop, conn));
    SHOW(sockit_loop_close(loop, conn));
    SHOW(sockit_loop_write(loop, conn, "x", 1));
    SHOW(sockit_loop_shutdown(loop, conn));
}

static void client_connect(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    struct client *client = data;
    char chunk[16384];
    printf("%s: on_connect %s\n", close_in[client->kind], status == 0 ? "0" : sockit_err_name(status));
    if (strcmp(close_in[client->kind], "queue_full") == 0 ||
        strcmp(close_in[client->kind], "drain") == 0) {
        /* The server reads nothing yet: write until the queue is full. */
        int rc = 0, writes = 0;
        memset(chunk, 'q', sizeof chunk);
        SHOW(sockit_loop_set_queue_limit(loop, conn, 0));
        SHOW(sockit_loop_set_queue_limit(loop, conn, 65536));
        while (rc == 0 && writes < 100000 && !client->closed) {
            rc = sockit_loop_write(loop, conn, chunk, sizeof chunk);
            writes++;
        }
        printf("%s: writes until full: %s\n", close_in[client->kind],
               rc == SOCKIT_ENOBUFS || client->closed ? "yes" : sockit_err_name(rc));
        printf("%s: queued at least 64 KiB: %s\n", close_in[client->kind],
               client->closed || sockit_loop_queued(loop, conn) >= 65536 ? "yes" : "no");
    } else {
        SHOW(sockit_loop_write(loop, conn, "ping", 4));
    }
    maybe_close(loop, conn, client, "connect");
}

static void client_data(sockit_loop *loop, sockit_handle conn, const void *bytes, size_t len,
                        void *data) {
    struct client *client = data;
    (void)bytes;
    (void)len;
    maybe_close(loop, conn, client, "data");
}

static void client_eof(sockit_loop *loop, sockit_handle conn, void *data) {
    struct client *client = data;
    if (strcmp(close_in[client->kind], "drain") == 0) {
        return; /* it may come before or after on_drain, which closes */
    }
    printf("%s: on_eof\n", close_in[client->kind]);
    maybe_close(loop, conn, client, "eof");
    if (!client->closed) {
        SHOW(sockit_loop_shutdown(loop, conn));
    }
}

static void client_full(sockit_loop *loop, sockit_handle conn, size_t queued, void *data) {
    struct client *client = data;
    printf("%s: on_queue_full %s\n", close_in[client->kind], queued >= 65536 ? "at the bound" : "early");
    maybe_close(loop, conn, client, "queue_full");
}

static void client_drain(sockit_loop *loop, sockit_handle conn, void *data) {
    struct client *client = data;
    printf("%s: on_drain\n", close_in[client->kind]);
    maybe_close(loop, conn, client, "drain");
}

static void client_close(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    struct client *client = data;
    printf("%s: on_close %s\n", close_in[client->kind], status == 0 ? "0" : sockit_err_name(status));
    if (strcmp(close_in[client->kind], "close") == 0) {
        /* Still valid during on_close: closing again does nothing, writing is refused. */
        SHOW(sockit_loop_close(loop, conn));
        SHOW(sockit_loop_write(loop, conn, "x", 1));
    }
    if (++client->kind < KINDS) {
        client->closed = 0;
        start_client(loop, client);
    } else {
        sockit_loop_stop(loop);
    }
    (void)conn;
}

static void start_client(sockit_loop *loop, struct client *client) {
    sockit_handle conn;
    must(sockit_loop_connect(loop, "127.0.0.1", client->port, 5000, &client_callbacks, client, &conn),
         "connect");
}

/* The server: says "pong" and reads nothing for 50 ms after each connection, then reads
   and discards, and finishes sending; the connection closes once the client has finished. */
static void resume(sockit_loop *loop, sockit_handle timer, void *arg) {
    (void)timer;
    sockit_loop_resume_reading(loop, *(sockit_handle *)arg);
    sockit_loop_shutdown(loop, *(sockit_handle *)arg);
}

/* The server's connections, for their resume timers (static: a timer pending when the loop
   is freed never runs, so it could not free what it was given). */
static sockit_handle server_conns[64];
static int server_conn_count;

static void server_connect(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    sockit_handle *later;
    (void)status;
    (void)data;
    if (server_conn_count == (int)(sizeof server_conns / sizeof server_conns[0])) {
        abort();
    }
    later = &server_conns[server_conn_count++];
    *later = conn;
    sockit_loop_pause_reading(loop, conn);
    sockit_loop_write(loop, conn, "pong", 4);
    must(sockit_loop_timer(loop, 50, 0, resume, later, NULL), "resume timer");
}

static void cancelled(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    (void)loop;
    (void)conn;
    printf("%s: on_close %s\n", (const char *)data, sockit_err_name(status));
}

static int conns(void) {
    sockit_loop *loop, *other;
    sockit_loop_callbacks server = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    sockit_loop_callbacks quiet = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    sockit_handle listener, timer, theirs, kept;
    struct client client = {0, 0, 0};
    sockit_addr local;
    sockit_socket pipe_end = SOCKIT_INVALID_SOCKET;

    memset(&client_callbacks, 0, sizeof client_callbacks);
    client_callbacks.on_connect = client_connect;
    client_callbacks.on_data = client_data;
    client_callbacks.on_eof = client_eof;
    client_callbacks.on_close = client_close;
    client_callbacks.on_queue_full = client_full;
    client_callbacks.on_drain = client_drain;
    server.on_connect = server_connect;

    must(sockit_loop_new(&loop), "loop");
    must(sockit_loop_new(&other), "other loop");
    must(sockit_loop_listen(loop, "127.0.0.1", 0, &server, NULL, &listener), "listen");
    must(sockit_loop_local_addr(loop, listener, &local), "local address");
    client.port = local.port;
    must(sockit_loop_timer(loop, 60000, 0, never, NULL, &timer), "timer");
    must(sockit_loop_timer(other, 60000, 0, never, NULL, &theirs), "their timer");

    /* Handles of the wrong kind, of another loop, made up */
    SHOW(sockit_loop_write(loop, timer, "x", 1));
    SHOW(sockit_loop_write(loop, listener, "x", 1));
    SHOW(sockit_loop_write(loop, theirs, "x", 1));
    SHOW(sockit_loop_write(loop, SOCKIT_NO_HANDLE, "x", 1));
    SHOW(sockit_loop_write(loop, listener, NULL, 1));
    SHOW(sockit_loop_shutdown(loop, timer));
    SHOW(sockit_loop_pause_reading(loop, listener));
    SHOW(sockit_loop_queued(loop, timer));
    SHOW(sockit_loop_queued(loop, 777));
    SHOW(sockit_loop_peer(loop, listener, &local));
    SHOW(sockit_loop_abort(loop, theirs));
    SHOW(sockit_loop_listen(loop, "127.0.0.1", 70000, &server, NULL, &kept));
    SHOW(sockit_loop_listen(loop, "127.0.0.1", 0, NULL, NULL, &kept));
    SHOW(sockit_loop_connect(loop, "bad host", 7, 1000, &quiet, NULL, &kept));
    SHOW(sockit_loop_connect(loop, "127.0.0.1", 7, 0, &quiet, NULL, &kept));
    SHOW(sockit_loop_connect(loop, NULL, 7, 1000, &quiet, NULL, &kept));
    SHOW(sockit_loop_adopt(loop, pipe_end, &quiet, NULL, &kept));

    /* A connection closed in each of its callbacks, one after the other */
    start_client(loop, &client);
    SHOW(sockit_loop_run(loop));

    /* A loop freed with a connection open tells it SOCKIT_ECANCELED */
    quiet.on_close = cancelled;
    must(sockit_loop_connect(loop, "127.0.0.1", local.port, 5000, &quiet, "open at free", &kept),
         "connect");
    while (sockit_loop_queued(loop, kept) >= 0 && sockit_loop_peer(loop, kept, &local) != SOCKIT_OK) {
        must(sockit_loop_run_once(loop, 100), "run_once");
    }
    SHOW(sockit_loop_free(loop));
    SHOW(sockit_loop_close(other, theirs));
    SHOW(sockit_loop_free(other));
    return 0;
}

/* ---- messages ---- */

static int lines_seen;

static void resume_lines(sockit_loop *loop, sockit_handle timer, void *arg) {
    (void)timer;
    printf("resumed\n");
    SHOW(sockit_loop_resume_reading(loop, *(sockit_handle *)arg));
}

static void line_connect(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    (void)status;
    (void)data;
    SHOW(sockit_loop_frame_delimited(loop, conn, NULL, 1, 16));
    SHOW(sockit_loop_frame_delimited(loop, conn, "\n", 1, 16));
}

static void line_message(sockit_loop *loop, sockit_handle conn, const void *msg, size_t len,
                         int status, void *data) {
    static sockit_handle paused;
    (void)data;
    /* A message is followed by a NUL: printf's %s may take it as it is. */
    printf("line (%s, %d bytes): %s\n", status == 0 ? "0" : sockit_err_name(status), (int)len,
           (const char *)msg);
    if (++lines_seen == 1) {
        paused = conn;
        SHOW(sockit_loop_pause_reading(loop, conn));
        must(sockit_loop_timer(loop, 20, 0, resume_lines, &paused, NULL), "timer");
    }
}

static void line_eof(sockit_loop *loop, sockit_handle conn, void *data) {
    (void)data;
    printf("eof\n");
    SHOW(sockit_loop_close(loop, conn));
}

static void sender_connect(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    static const char text[] = "hello\nworld\n0123456789abcdefXYZ\nafter\ntail";
    (void)status;
    (void)data;
    SHOW(sockit_loop_write(loop, conn, text, sizeof text - 1));
    SHOW(sockit_loop_shutdown(loop, conn));
}

static void sender_close(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    (void)conn;
    (void)data;
    printf("sender closed: %s\n", status == 0 ? "0" : sockit_err_name(status));
    sockit_loop_stop(loop);
}

static int messages(void) {
    sockit_loop *loop;
    sockit_loop_callbacks server = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    sockit_loop_callbacks sender = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    sockit_handle listener, conn, timer;
    sockit_addr local;

    server.on_connect = line_connect;
    server.on_message = line_message;
    server.on_eof = line_eof;
    sender.on_connect = sender_connect;
    sender.on_close = sender_close;
    must(sockit_loop_new(&loop), "loop");
    must(sockit_loop_listen(loop, "127.0.0.1", 0, &server, NULL, &listener), "listen");
    must(sockit_loop_local_addr(loop, listener, &local), "local address");
    must(sockit_loop_timer(loop, 60000, 0, never, NULL, &timer), "timer");
    SHOW(sockit_loop_frame_length_prefixed(loop, timer, 16));
    SHOW(sockit_loop_frame_length_prefixed(loop, listener, 16));
    must(sockit_loop_connect(loop, "127.0.0.1", local.port, 5000, &sender, NULL, &conn), "connect");
    SHOW(sockit_loop_frame_length_prefixed(loop, conn, 16));
    SHOW(sockit_loop_run(loop));
    SHOW(sockit_loop_free(loop));
    return 0;
}

/* ---- UDP ---- */

static void udp_echo(sockit_loop *loop, sockit_handle udp, const void *bytes, size_t len,
                     const sockit_addr *from, void *data) {
    (void)data;
    printf("echo got %d bytes: %.*s\n", (int)len, (int)len, (const char *)bytes);
    SHOW(sockit_loop_send_to(loop, udp, bytes, len, from));
}

static void udp_reply(sockit_loop *loop, sockit_handle udp, const void *bytes, size_t len,
                      const sockit_addr *from, void *data) {
    (void)udp;
    printf("reply from the echo socket: %s, %.*s\n",
           sockit_addr_equal(from, (const sockit_addr *)data) ? "yes" : "no", (int)len,
           (const char *)bytes);
    sockit_loop_stop(loop);
}

static int udp(void) {
    sockit_loop *loop;
    sockit_handle echo, client, timer, closed;
    sockit_addr echo_addr, port_zero, bad_family;

    must(sockit_loop_new(&loop), "loop");
    must(sockit_loop_udp_bind(loop, "127.0.0.1", 0, udp_echo, NULL, &echo), "echo socket");
    must(sockit_loop_local_addr(loop, echo, &echo_addr), "echo address");
    must(sockit_loop_udp_bind(loop, "127.0.0.1", 0, udp_reply, &echo_addr, &client), "client");
    must(sockit_loop_timer(loop, 60000, 0, never, NULL, &timer), "timer");
    must(sockit_loop_udp_bind(loop, "127.0.0.1", 0, udp_echo, NULL, &closed), "closed");
    must(sockit_loop_close(loop, closed), "close");
    port_zero = echo_addr;
    port_zero.port = 0;
    memset(&bad_family, 0, sizeof bad_family);
    bad_family.family = 5;
    SHOW(sockit_loop_udp_bind(loop, "127.0.0.1", 0, NULL, NULL, &closed));
    SHOW(sockit_loop_udp_bind(loop, "127.0.0.1", -1, udp_echo, NULL, &closed));
    SHOW(sockit_loop_send_to(loop, closed, "x", 1, &echo_addr));
    SHOW(sockit_loop_send_to(loop, timer, "x", 1, &echo_addr));
    SHOW(sockit_loop_send_to(loop, client, "x", 1, &port_zero));
    SHOW(sockit_loop_send_to(loop, client, "x", 1, &bad_family));
    SHOW(sockit_loop_send_to(loop, client, "x", 1, NULL));
    SHOW(sockit_loop_send_to(loop, client, NULL, 1, &echo_addr));
    SHOW(sockit_loop_write(loop, client, "x", 1));
    SHOW(sockit_loop_send_to(loop, client, "ping", 4, &echo_addr));
    SHOW(sockit_loop_run(loop));
    SHOW(sockit_loop_free(loop));
    return 0;
}

/* ---- Unix domain sockets ---- */

#ifndef _WIN32
static const char *unix_path;
static sockit_handle unix_listener;
static int unix_step;
static sockit_loop_callbacks unix_client;

static void unix_next(sockit_loop *loop);

/* The server answers each line with what it knows of the connection. */
static void unix_server_connect(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    (void)status;
    (void)data;
    must(sockit_loop_frame_delimited(loop, conn, "\n", 1, 64), "frame");
}

static void unix_server_message(sockit_loop *loop, sockit_handle conn, const void *msg, size_t len,
                                int status, void *data) {
    char reply[256], name[SOCKIT_UNIX_NAMESTRLEN];
    sockit_addr peer;
    sockit_socket sock;
    int n;
    (void)len;
    (void)data;
    must(sockit_loop_peer(loop, conn, &peer), "peer");
    must(sockit_loop_socket(loop, conn, &sock), "socket");
    must(sockit_unix_local_name(sock, name, sizeof name), "local name");
    n = snprintf(reply, sizeof reply, "%s (%s), peer family %d, local name is the path: %s\n",
                 (const char *)msg, status == 0 ? "0" : sockit_err_name(status), peer.family,
                 strcmp(name, unix_path) == 0 ? "yes" : "no");
    must(sockit_loop_write(loop, conn, reply, (size_t)n), "write");
}

static void unix_server_eof(sockit_loop *loop, sockit_handle conn, void *data) {
    (void)data;
    must(sockit_loop_close(loop, conn), "close");
}

static void unix_client_connect(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    char name[SOCKIT_UNIX_NAMESTRLEN];
    sockit_socket sock;
    sockit_addr peer;
    (void)data;
    printf("on_connect: %s\n", status == 0 ? "0" : sockit_err_name(status));
    if (status != 0) {
        return;
    }
    must(sockit_loop_peer(loop, conn, &peer), "peer");
    printf("peer family: %d\n", peer.family);
    must(sockit_loop_socket(loop, conn, &sock), "socket");
    if (unix_step == 2) {
        must(sockit_unix_peer_name(sock, name, sizeof name), "peer name");
        printf("peer name is the path: %s\n", strcmp(name, unix_path) == 0 ? "yes" : "no");
    }
#ifdef __linux__
    {
        sockit_peer_cred cred;
        must(sockit_unix_peer_cred(sock, &cred), "credentials");
        printf("peer is this process: %s\n", cred.pid == (int64_t)getpid() && cred.uid == getuid() ? "yes" : "no");
    }
#endif
    must(sockit_loop_frame_delimited(loop, conn, "\n", 1, 256), "frame");
    SHOW(sockit_loop_write(loop, conn, "ping\npartial", 12));
    SHOW(sockit_loop_shutdown(loop, conn));
}

static void unix_client_message(sockit_loop *loop, sockit_handle conn, const void *msg, size_t len,
                                int status, void *data) {
    (void)loop;
    (void)conn;
    (void)len;
    (void)data;
    printf("reply (%s): %s\n", status == 0 ? "0" : sockit_err_name(status), (const char *)msg);
}

static void unix_client_close(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    (void)conn;
    (void)data;
    printf("on_close: %s\n", status == 0 ? "0" : sockit_err_name(status));
    unix_next(loop);
}

/* One connection after the other, so that the lines come in one order. */
static void unix_next(sockit_loop *loop) {
    sockit_handle conn;
    sockit_socket sock;
    switch (++unix_step) {
    case 1:
        printf("-- a path nothing is at\n");
        SHOW(sockit_loop_unix_connect(loop, "no/such.sock", 5000, &unix_client, NULL, &conn));
        break;
    case 2:
        printf("-- the loop's own listener\n");
        SHOW(sockit_loop_unix_connect(loop, unix_path, 5000, &unix_client, NULL, &conn));
        break;
    case 3:
        printf("-- an adopted socket\n");
        must(sockit_unix_connect(unix_path, 5000, &sock), "connect");
        SHOW(sockit_loop_adopt(loop, sock, &unix_client, NULL, &conn));
        break;
    default:
        SHOW(sockit_loop_close(loop, unix_listener));
        SHOW(sockit_unix_connect(unix_path, 5000, &sock));
        sockit_loop_stop(loop);
    }
}

static int unix_sockets(const char *path) {
    sockit_loop *loop;
    sockit_loop_callbacks server = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    sockit_handle other;
    sockit_addr local;

    unix_path = path;
    server.on_connect = unix_server_connect;
    server.on_message = unix_server_message;
    server.on_eof = unix_server_eof;
    unix_client.on_connect = unix_client_connect;
    unix_client.on_message = unix_client_message;
    unix_client.on_close = unix_client_close;
    must(sockit_loop_new(&loop), "loop");
    SHOW(sockit_loop_unix_listen(loop, path, SOCKIT_UNIX_REMOVE_STALE, &server, NULL, &unix_listener));
    SHOW(sockit_loop_unix_listen(loop, path, SOCKIT_UNIX_REMOVE_STALE, &server, NULL, &other));
    SHOW(sockit_loop_unix_listen(loop, path, 2, &server, NULL, &other));
    SHOW(sockit_loop_unix_connect(loop, "", 5000, &unix_client, NULL, &other));
    SHOW(sockit_loop_unix_connect(loop, path, 0, &unix_client, NULL, &other));
    must(sockit_loop_local_addr(loop, unix_listener, &local), "local address");
    printf("listener family: %d\n", local.family);
    unix_next(loop);
    SHOW(sockit_loop_run(loop));
    SHOW(sockit_loop_free(loop));
    return 0;
}
#endif

/* ---- connect/close cycles ---- */

#ifdef __linux__
static long cycles_left, cycles_done, cycle_failures;
static int cycle_port;
static sockit_loop_callbacks cycle_client;

static void cycle_start(sockit_loop *loop) {
    sockit_handle conn;
    if (cycles_left > 0) {
        cycles_left--;
        if (sockit_loop_connect(loop, "127.0.0.1", cycle_port, 5000, &cycle_client, NULL, &conn) < 0) {
            cycle_failures++;
        }
    }
}

/* Connected: reset at once (no TIME_WAIT left behind), and start the next one. */
static void cycle_connect(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    (void)data;
    if (status != SOCKIT_OK) {
        cycle_failures++;
        return;
    }
    sockit_loop_abort(loop, conn);
}

static void cycle_close(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    (void)conn;
    (void)status;
    (void)data;
    cycles_done++;
    cycle_start(loop);
}

/* The accepted side closes when the client resets it. */
static void cycle_server_close(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    (void)loop;
    (void)conn;
    (void)status;
    (void)data;
}

static long resident_kib(void) {
    long size = 0, resident = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (statm != NULL) {
        if (fscanf(statm, "%ld %ld", &size, &resident) != 2) {
            resident = 0;
        }
        fclose(statm);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The lowest free descriptor: it grows if descriptors leak. */
static int lowest_free_descriptor(void) {
    int fd = dup(0);
    close(fd);
    return fd;
}

/* Runs count cycles, 64 at a time, until all have closed. */
static void run_cycles(sockit_loop *loop, long count) {
    long started = cycles_done;
    int i;
    cycles_left = count;
    for (i = 0; i < 64 && cycles_left > 0; i++) {
        cycle_start(loop);
    }
    while (cycles_done - started < count) {
        must(sockit_loop_run_once(loop, 1000), "run_once");
    }
}

static int cycles(long count) {
    sockit_loop *loop;
    sockit_loop_callbacks server = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    sockit_handle listener;
    sockit_addr local;
    long kib_before, kib_after;
    int fd_before, fd_after;

    server.on_close = cycle_server_close;
    cycle_client.on_connect = cycle_connect;
    cycle_client.on_close = cycle_close;
    must(sockit_loop_new(&loop), "loop");
    must(sockit_loop_listen(loop, "127.0.0.1", 0, &server, NULL, &listener), "listen");
    must(sockit_loop_local_addr(loop, listener, &local), "local address");
    cycle_port = local.port;
    run_cycles(loop, 2000); /* warm up: the handle table and the allocator reach their size */
    kib_before = resident_kib();
    fd_before = lowest_free_descriptor();
    run_cycles(loop, count);
    kib_after = resident_kib();
    fd_after = lowest_free_descriptor();
    printf("cycles: %ld, failures: %ld\n", cycles_done - 2000, cycle_failures);
    printf("descriptors grew: %s\n", fd_after > fd_before ? "yes" : "no");
    printf("memory grew by 1 MiB or more: %s\n", kib_after - kib_before >= 1024 ? "yes" : "no");
    if (kib_after - kib_before >= 1024) {
        fprintf(stderr, "resident: %ld KiB, then %ld KiB\n", kib_before, kib_after);
    }
    SHOW(sockit_loop_free(loop));
    return 0;
}
#endif

static void report_connect(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    (void)loop;
    (void)conn;
    (void)data;
    printf("on_connect: %s\n", status == 0 ? "0" : sockit_err_name(status));
}

static void report_close(sockit_loop *loop, sockit_handle conn, int status, void *data) {
    (void)conn;
    (void)data;
    printf("on_close: %s\n", status == 0 ? "0" : sockit_err_name(status));
    sockit_loop_stop(loop);
}

static int connect_once(const char *host, const char *port, const char *timeout_ms) {
    sockit_loop *loop;
    sockit_loop_callbacks callbacks = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    sockit_handle conn;

    callbacks.on_connect = report_connect;
    callbacks.on_close = report_close;
    must(sockit_loop_new(&loop), "loop");
    must(sockit_loop_connect(loop, host, sockit_parse_port(port), atoi(timeout_ms), &callbacks,
                             NULL, &conn),
         "connect");
    SHOW(sockit_loop_run(loop));
    SHOW(sockit_loop_free(loop));
    return 0;
}

int main(int argc, char *argv[]) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && strcmp(argv[1], "handles") == 0) {
        return handles();
    }
    if (argc == 2 && strcmp(argv[1], "timers") == 0) {
        return timers();
    }
    if (argc == 2 && strcmp(argv[1], "post") == 0) {
        return post();
    }
    if (argc == 2 && strcmp(argv[1], "work") == 0) {
        return work();
    }
#ifdef __linux__
    if (argc == 2 && strcmp(argv[1], "no_threads") == 0) {
        return no_threads();
    }
#endif
    if (argc == 2 && strcmp(argv[1], "signal") == 0) {
        return stop_by_signal();
    }
#ifndef _WIN32
    if (argc == 2 && strcmp(argv[1], "embed") == 0) {
        return embed();
    }
#endif
    if (argc == 2 && strcmp(argv[1], "conns") == 0) {
        return conns();
    }
    if (argc == 2 && strcmp(argv[1], "messages") == 0) {
        return messages();
    }
    if (argc == 2 && strcmp(argv[1], "udp") == 0) {
        return udp();
    }
#ifndef _WIN32
    if (argc == 3 && strcmp(argv[1], "unix") == 0) {
        return unix_sockets(argv[2]);
    }
#endif
#ifdef __linux__
    if (argc == 3 && strcmp(argv[1], "cycles") == 0) {
        return cycles(atol(argv[2]));
    }
#endif
    if (argc == 5 && strcmp(argv[1], "connect") == 0) {
        return connect_once(argv[2], argv[3], argv[4]);
    }
    fprintf(stderr, "usage: loop_check handles|timers|post|work|no_threads|signal|embed|conns|messages|udp\n"
                    "       loop_check connect <host> <port> <timeout_ms>\n");
    return 2;
}
