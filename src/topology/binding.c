/* Binding the calling thread, checked. */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "topology_internal.h"

/* What every binding of this process answers instead of binding (0: bind). */
static _Atomic int refusal;

void pb_topology_refuse_binding(int errno_code)
{
    atomic_store(&refusal, errno_code);
}

/* "PU 3" or "PUs 0-1,4", for messages. */
static void name_pus(hwloc_const_bitmap_t set, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s ", hwloc_bitmap_weight(set) == 1 ? "PU" : "PUs");
    if (n > 0 && (size_t)n < size)
        hwloc_bitmap_list_snprintf(buf + n, size - (size_t)n, set);
}

int pb_bind_self(const pb_worker_place *wp, pb_error *err)
{
    const pb_topology *t = pb_topology_this(err);
    if (!t)
        return err ? err->code : PB_E_SYS;
    hwloc_bitmap_t set = hwloc_bitmap_alloc(), got = hwloc_bitmap_alloc();
    char asked[96], kept[96];
    int rc = 0;
    if (!set || !got) {
        rc = pb_fail(err, PB_E_NOMEM, "cannot bind: out of memory for a PU set");
        goto out;
    }
    if (wp->count == 0)
        hwloc_bitmap_copy(set, t->usable);   /* unbound: every usable PU, never a parent's narrower mask */
    for (unsigned i = 0; i < wp->count; i++)
        hwloc_bitmap_set(set, (unsigned)wp->pu[i]);
    int refused = atomic_load(&refusal);
    if (refused && wp->count) {
        name_pus(set, asked, sizeof asked);
        rc = pb_fail_errno(err, PB_E_SYS, refused, "cannot bind to %s", asked);
        goto out;
    }
    if (hwloc_set_cpubind(t->topo, set, HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT) != 0) {
        int e = errno ? errno : EINVAL;
        name_pus(set, asked, sizeof asked);
        rc = pb_fail_errno(err, PB_E_SYS, e, "cannot bind to %s", asked);
        goto out;
    }
    if (hwloc_get_cpubind(t->topo, got, HWLOC_CPUBIND_THREAD) != 0) {
        int e = errno;
        name_pus(set, asked, sizeof asked);
        rc = pb_fail_errno(err, PB_E_SYS, e, "bound to %s, but cannot read the binding back", asked);
    } else if (!hwloc_bitmap_isequal(set, got)) {
        name_pus(set, asked, sizeof asked);
        name_pus(got, kept, sizeof kept);
        rc = pb_fail(err, PB_E_VERIFY, "asked to bind to %s, the kernel kept %s", asked, kept);
    }
out:
    hwloc_bitmap_free(set);
    hwloc_bitmap_free(got);
    return rc;
}
