/* The topology's insides, shared by the files of src/topology/ only. */
#ifndef PARBENCH_TOPOLOGY_INTERNAL_H
#define PARBENCH_TOPOLOGY_INTERNAL_H

#include <hwloc.h>
#include <stdbool.h>

#include "parbench/topology.h"

struct pb_topology {
    hwloc_topology_t topo;
    hwloc_bitmap_t usable;      /* the PUs workers may be placed on */
    bool this_system;           /* binding is real (not a synthetic description) */
};

#endif
