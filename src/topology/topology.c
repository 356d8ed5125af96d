#include "parbench/topology.h"

#include <hwloc.h>
#include <stdio.h>
#include <string.h>

static int count(hwloc_topology_t t, hwloc_obj_type_t type)
{
    int n = hwloc_get_nbobjs_by_type(t, type);
    return n < 0 ? 0 : n;
}

int pb_topology_summarize(pb_topology_summary *s, pb_error *err)
{
    memset(s, 0, sizeof *s);
    unsigned v = hwloc_get_api_version();
    snprintf(s->hwloc_version, sizeof s->hwloc_version, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);

    hwloc_topology_t t;
    if (hwloc_topology_init(&t) != 0)
        return pb_fail(err, PB_E_SYS, "hwloc: cannot initialise a topology");
    if (hwloc_topology_load(t) != 0) {
        hwloc_topology_destroy(t);
        return pb_fail(err, PB_E_SYS, "hwloc: cannot load the topology");
    }
    s->packages = count(t, HWLOC_OBJ_PACKAGE);
    s->numa_nodes = count(t, HWLOC_OBJ_NUMANODE);
    s->cores = count(t, HWLOC_OBJ_CORE);
    s->pus = count(t, HWLOC_OBJ_PU);

    hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
    if (allowed && hwloc_get_cpubind(t, allowed, HWLOC_CPUBIND_PROCESS) == 0) {
        hwloc_bitmap_and(allowed, allowed, hwloc_topology_get_allowed_cpuset(t));
        s->allowed_pus = hwloc_bitmap_weight(allowed);
        hwloc_bitmap_list_snprintf(s->allowed, sizeof s->allowed, allowed);
    } else {
        s->allowed_pus = s->pus;
        hwloc_bitmap_list_snprintf(s->allowed, sizeof s->allowed, hwloc_topology_get_allowed_cpuset(t));
    }
    hwloc_bitmap_free(allowed);
    hwloc_topology_destroy(t);
    return 0;
}
