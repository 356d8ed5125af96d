/* Binding the calling thread, checked. */
#include <errno.h>

#include "topology_internal.h"

#include <stdatomic.h>

/* What every binding of this process answers instead of binding (0: bind). */
static _Atomic int refusal;

void pb_topology_refuse_binding(int errno_code)
{
    atomic_store(&refusal, errno_code);
}

int pb_bind_self(const pb_worker_place *wp)
{
    pb_error err;
    const pb_topology *t = pb_topology_this(&err);
    if (!t)
        return ENOSYS;
    int refused = atomic_load(&refusal);
    if (refused && wp->count)
        return refused;
    hwloc_bitmap_t set = hwloc_bitmap_alloc(), got = hwloc_bitmap_alloc();
    int rc = 0;
    if (!set || !got) {
        rc = ENOMEM;
        goto out;
    }
    if (wp->count == 0)
        hwloc_bitmap_copy(set, t->usable);   /* unbound: every usable PU, never a parent's narrower mask */
    for (unsigned i = 0; i < wp->count; i++)
        hwloc_bitmap_set(set, (unsigned)wp->pu[i]);
    if (hwloc_set_cpubind(t->topo, set, HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT) != 0) {
        rc = errno ? errno : EINVAL;
        goto out;
    }
    if (hwloc_get_cpubind(t->topo, got, HWLOC_CPUBIND_THREAD) != 0 || !hwloc_bitmap_isequal(set, got))
        rc = EIO;   /* the kernel did not keep what was asked */
out:
    hwloc_bitmap_free(set);
    hwloc_bitmap_free(got);
    return rc;
}
