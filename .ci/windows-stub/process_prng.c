/* bcryptprimitives.dll for Wine 8 (Debian bookworm), which lacks it: Rust's standard library
 * since 1.78 imports ProcessPrng from it, and every Rust program exits with code 53 without.
 * Built with MinGW by .ci/windows and placed in the Wine prefix's system32; never shipped.
 * ProcessPrng fills the buffer with random bytes and always succeeds; RtlGenRandom
 * (SystemFunction036 in advapi32) provides them. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
