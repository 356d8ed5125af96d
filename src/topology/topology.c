/* Loading and describing a topology. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology_internal.h"

void pb_topology_free(pb_topology *t)
{
    if (!t)
        return;
    if (t->usable)
        hwloc_bitmap_free(t->usable);
    if (t->topo)
        hwloc_topology_destroy(t->topo);
    free(t);
}

int pb_topology_load(pb_topology **out, const char *synthetic, const char *allowed, pb_error *err)
{
    *out = NULL;
    pb_topology *t = calloc(1, sizeof *t);
    if (!t)
        return pb_fail(err, PB_E_NOMEM, "topology: out of memory");
    if (hwloc_topology_init(&t->topo) != 0) {
        free(t);
        return pb_fail(err, PB_E_SYS, "hwloc: cannot initialise a topology");
    }
    if (synthetic && hwloc_topology_set_synthetic(t->topo, synthetic) != 0) {
        pb_topology_free(t);
        return pb_fail(err, PB_E_ARG, "--synthetic: hwloc does not understand '%s' (example: pack:2 core:4 pu:2)",
                       synthetic);
    }
    if (hwloc_topology_load(t->topo) != 0) {
        pb_topology_free(t);
        return pb_fail_errno(err, PB_E_SYS, errno, "hwloc: cannot load the topology");
    }
    t->this_system = synthetic == NULL;
    t->usable = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(t->topo));
    if (!t->usable) {
        pb_topology_free(t);
        return pb_fail(err, PB_E_NOMEM, "topology: out of memory");
    }
    if (t->this_system) {
        /* what this process may run on: its affinity (taskset) within the cgroup */
        hwloc_bitmap_t mine = hwloc_bitmap_alloc();
        if (mine && hwloc_get_cpubind(t->topo, mine, HWLOC_CPUBIND_PROCESS) == 0)
            hwloc_bitmap_and(t->usable, t->usable, mine);
        hwloc_bitmap_free(mine);
    }
    if (allowed) {
        hwloc_bitmap_t limit = hwloc_bitmap_alloc();
        if (!limit || hwloc_bitmap_list_sscanf(limit, allowed) != 0) {
            hwloc_bitmap_free(limit);
            pb_topology_free(t);
            return pb_fail(err, PB_E_ARG, "--allowed: '%s' is not a PU list (example: 0-3,8)", allowed);
        }
        hwloc_bitmap_and(t->usable, t->usable, limit);
        hwloc_bitmap_free(limit);
    }
    if (hwloc_bitmap_iszero(t->usable)) {
        pb_topology_free(t);
        return pb_fail(err, PB_E_ARG, "no usable PU is left%s%s", allowed ? " in --allowed " : "",
                       allowed ? allowed : "");
    }
    *out = t;
    return 0;
}

static pb_topology *this_topology;
static pb_error this_error;
static pthread_once_t this_once = PTHREAD_ONCE_INIT;

static void load_this(void)
{
    pb_topology_load(&this_topology, NULL, NULL, &this_error);
}

const pb_topology *pb_topology_this(pb_error *err)
{
    pthread_once(&this_once, load_this);
    if (!this_topology && err)
        *err = this_error;
    return this_topology;
}

static int count(hwloc_topology_t t, hwloc_obj_type_t type)
{
    int n = hwloc_get_nbobjs_by_type(t, type);
    return n < 0 ? 0 : n;
}

void pb_topology_summarize(const pb_topology *t, pb_topology_summary *s)
{
    memset(s, 0, sizeof *s);
    unsigned v = hwloc_get_api_version();
    snprintf(s->hwloc_version, sizeof s->hwloc_version, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
    s->packages = count(t->topo, HWLOC_OBJ_PACKAGE);
    s->numa_nodes = count(t->topo, HWLOC_OBJ_NUMANODE);
    s->cores = count(t->topo, HWLOC_OBJ_CORE);
    s->pus = count(t->topo, HWLOC_OBJ_PU);
    s->allowed_pus = hwloc_bitmap_weight(t->usable);
    hwloc_bitmap_list_snprintf(s->allowed, sizeof s->allowed, t->usable);
    for (int i = 0; i < s->cores; i++) {
        hwloc_obj_t core = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_CORE, (unsigned)i);
        int n = hwloc_bitmap_weight(core->cpuset);
        if (n > s->max_smt)
            s->max_smt = n;
    }
    if (s->max_smt == 0)
        s->max_smt = 1;
}

static void print_obj(FILE *out, const pb_topology *t, hwloc_obj_t obj, int depth)
{
    if (obj->type == HWLOC_OBJ_PACKAGE || obj->type == HWLOC_OBJ_CORE || obj->type == HWLOC_OBJ_MACHINE ||
        obj->type == HWLOC_OBJ_GROUP) {
        char pus[256] = "", type[64];
        hwloc_obj_type_snprintf(type, sizeof type, obj, 0);
        hwloc_bitmap_list_snprintf(pus, sizeof pus, obj->cpuset);
        fprintf(out, "%*s%s L#%u  PUs %s", depth * 2, "", type, obj->logical_index, pus);
        for (hwloc_obj_t m = obj->memory_first_child; m; m = m->next_sibling)
            if (m->type == HWLOC_OBJ_NUMANODE)
                fprintf(out, "  (NUMA node %u)", m->os_index);
        if (obj->type == HWLOC_OBJ_CORE && !hwloc_bitmap_isincluded(obj->cpuset, t->usable))
            fprintf(out, hwloc_bitmap_intersects(obj->cpuset, t->usable) ? "  (partly usable)" : "  (not usable)");
        fputc('\n', out);
        depth++;
    }
    if (obj->type == HWLOC_OBJ_CORE)
        return;
    for (hwloc_obj_t c = obj->first_child; c; c = c->next_sibling)
        print_obj(out, t, c, depth);
}

void pb_topology_print(const pb_topology *t, void *file)
{
    print_obj(file, t, hwloc_get_root_obj(t->topo), 0);
}

unsigned pb_topology_usable(const pb_topology *t, int *out, unsigned max)
{
    unsigned n = 0;
    int id;
    hwloc_bitmap_foreach_begin(id, t->usable)
        if (n < max)
            out[n++] = id;
    hwloc_bitmap_foreach_end();
    return n;
}
