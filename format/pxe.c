/* pxe.c - the network-boot folder's names (see pxe.h). */
#include "format/pxe.h"

bool pxe_payload_path(const char *bootfile, size_t len, char *out, size_t cap) {
    size_t dir = 0; /* bytes up to and including the last separator */
    for (size_t i = 0; i < len && bootfile[i]; i++)
        if (bootfile[i] == '/' || bootfile[i] == '\\') dir = i + 1;
    const char *name = PXE_PAYLOAD_NAME;
    size_t nlen = sizeof PXE_PAYLOAD_NAME - 1;
    if (dir + nlen + 1 > cap) return false;
    for (size_t i = 0; i < dir; i++) out[i] = bootfile[i];
    for (size_t i = 0; i < nlen; i++) out[dir + i] = name[i];
    out[dir + nlen] = 0;
    return true;
}
