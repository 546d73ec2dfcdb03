/*
 * tcp_echo_server_verbatim: the sockets tutorial's TCP echo server as it was, a first step
 * into porting it. It keeps its own Die() and HandleClient() (SOCKIT_OWN_DIE and
 * SOCKIT_OWN_HANDLECLIENT tell sockit.h so) and its own accept loop on POSIX sockets; the
 * only change is that sockit_tcp_listen() replaces socket/bind/listen, so it serves IPv6
 * clients too, and sockit_addr_from_sockaddr() prints either kind of client address where
 * inet_ntoa() knew IPv4 only. It links against the static and the shared library alike.
 *
 *     tcp_echo_server_verbatim <port>
 */
#include <stdio.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#define SOCKIT_OWN_DIE
#define SOCKIT_OWN_HANDLECLIENT
#include "sockit.h"

#define MAXPENDING 5    /* Max connection requests */
#define BUFFSIZE 32
void Die(char *mess) { perror(mess); exit(1); }

void HandleClient(int sock) {
  char buffer[BUFFSIZE];
  int received = -1;
  /* Receive message */
  if ((received = recv(sock, buffer, BUFFSIZE, 0)) < 0) {
    Die("Failed to receive initial bytes from client");
  }
  /* Send bytes and check for more incoming data in loop */
  while (received > 0) {
    /* Send back received data */
    if (send(sock, buffer, received, 0) != received) {
      Die("Failed to send bytes to client");
    }
    /* Check for more data */
    if ((received = recv(sock, buffer, BUFFSIZE, 0)) < 0) {
      Die("Failed to receive additional bytes from client");
    }
  }
  close(sock);
}

int main(int argc, char *argv[]) {
  int serversock, clientsock;
  struct sockaddr_storage echoclient;
  sockit_addr client;
  char ip[SOCKIT_ADDRSTRLEN];

  if (argc != 2) {
    fprintf(stderr, "USAGE: echoserver <port>\n");
    exit(1);
  }
  /* Create, bind and listen on the server socket: IPv4 and IPv6 */
  if (sockit_tcp_listen(NULL, atoi(argv[1]), MAXPENDING, &serversock) < 0) {
    Die("Failed to listen on server socket");
  }
  if (sockit_local_addr(serversock, &client) == 0) {  /* report the port: 0 picks one */
    fprintf(stderr, "tcp_echo_server_verbatim: listening on port %d\n", client.port);
  }
  setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
  /* Run until cancelled */
  while (1) {
    unsigned int clientlen = sizeof(echoclient);
    /* Wait for client connection */
    if ((clientsock =
         accept(serversock, (struct sockaddr *) &echoclient,
                &clientlen)) < 0) {
      Die("Failed to accept client connection");
    }
    sockit_addr_from_sockaddr((struct sockaddr *) &echoclient, clientlen, &client);
    sockit_addr_format_ip(&client, ip, sizeof ip);
    fprintf(stdout, "Client connected: %s\n", ip);
    HandleClient(clientsock);
  }
}
