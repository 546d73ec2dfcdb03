/*
 * The tutorial's HandleClient(), defined in C so that it is an object of its own in the
 * static library: a program that keeps its own HandleClient() never pulls this one in.
 */
#include "sockit.h"

#if defined(_WIN32)
__declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
__attribute__((weak, visibility("default")))
#endif
void HandleClient(sockit_socket sock) {
    (void)sockit_handle_client(sock);
}
