/*
 * The tutorial's Die(), defined in C so that it is an object of its own in the static
 * library: a program that keeps its own Die() never pulls this one in, and links.
 */
#include "sockit.h"

#if defined(_WIN32)
__declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
__attribute__((weak, visibility("default")))
#endif
void Die(const char *mess) {
    sockit_die(mess);
}
