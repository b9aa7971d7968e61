/*
 * host_linux.c: facts about the running host that only the live root has:
 * the kernel release (uname -r), recorded so that only the running kernel
 * package is matched later.
 */
#include "inventory/inventory_int.h"

#include <sys/utsname.h>

#include "base/banned.h"

const char *
inv_running_kernel(struct ks_arena *a)
{
    struct utsname u;

    if (uname(&u) != 0 || u.release[0] == '\0')
        return NULL;
    return ks_arena_strdup(a, u.release);
}
