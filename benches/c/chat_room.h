/*
 * The chat room of the C chat servers here (epoll_chat.c, libuv_chat.c), the same for each:
 * who is in it, broadcasts, joins and leaves. The program includes bench_net.h, defines
 * struct client (with name, name_len, slot and dead) and includes this; it defines send_to
 * (sends to one client, or queues what the socket does not take) and close_client (closes
 * and frees a client already out of the room).
 */
#ifndef CHAT_ROOM_H
#define CHAT_ROOM_H

#include "bench_net.h"

static void send_to(struct client *c, const char *data, size_t len);
static void close_client(struct client *c);

static struct client **room; /* every client, for broadcasts */
static size_t nroom, room_cap;
static struct client **dead; /* clients to close once the broadcast at hand is done */
static size_t ndead, dead_cap;
static char text[NAMELEN + MAX_LINE + 16];

/* Marks a client to close once the broadcast at hand is done (reap). */
static void kill_client(struct client *c) {
    if (!c->dead) {
        c->dead = 1;
        grow(&dead, &dead_cap, ndead + 1, sizeof *dead);
        dead[ndead++] = c;
    }
}

static void broadcast(const struct client *except, const char *data, size_t len) {
    for (size_t i = 0; i < nroom; i++) {
        if (room[i] != except && !room[i]->dead) {
            send_to(room[i], data, len);
        }
    }
}

static void announce(const struct client *who, const char *what) {
    int len = snprintf(text, sizeof text, "* %s %s\n", who->name, what);
    broadcast(who, text, (size_t)len);
    fputs(text, stdout);
}

static void join(struct client *c) {
    grow(&room, &room_cap, nroom + 1, sizeof *room);
    c->slot = nroom;
    room[nroom++] = c;
    announce(c, "joined");
}

/* Closes the clients marked dead, announcing each departure (which may mark more). */
static void reap(void) {
    while (ndead > 0) {
        struct client *c = dead[--ndead];
        room[c->slot] = room[--nroom];
        room[c->slot]->slot = c->slot;
        announce(c, "left");
        close_client(c);
    }
}

/* A line from a client: to every other client. */
static void on_line(void *ctx, const char *line, size_t len) {
    struct client *c = ctx;
    broadcast(c, text, chat_message(text, c->name, c->name_len, line, len));
}
#endif
