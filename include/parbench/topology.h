/* The machine's topology, from hwloc. src/topology/ is the only place that
 * includes hwloc.h. */
#ifndef PARBENCH_TOPOLOGY_H
#define PARBENCH_TOPOLOGY_H

#include "parbench/error.h"

typedef struct pb_topology_summary {
    int packages, numa_nodes, cores, pus;   /* whole machine, as hwloc sees it */
    int allowed_pus;                        /* PUs this process may use */
    char allowed[256];                      /* the allowed cpuset as a list, "0-1" */
    char hwloc_version[32];                 /* hwloc library in use */
} pb_topology_summary;

int pb_topology_summarize(pb_topology_summary *s, pb_error *err);

#endif
