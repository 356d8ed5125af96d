#include "parbench/registry.h"

#include <string.h>

const pb_workload *const pb_workloads[] = {
#define PB_X_(id) &pb_workload_##id,
    PB_WORKLOAD_LIST(PB_X_)
#undef PB_X_
    NULL,
};

const pb_backend *const pb_backends[] = {
#define PB_X_(id) &pb_backend_##id,
    PB_BACKEND_LIST(PB_X_)
#undef PB_X_
    NULL,
};

const char *pb_ipc_name(pb_ipc ipc)
{
    return ipc == PB_IPC_PIPE ? "pipe" : ipc == PB_IPC_TCP ? "tcp" : "arena";
}

const pb_workload *pb_find_workload(const char *name)
{
    for (size_t i = 0; pb_workloads[i]; i++)
        if (strcmp(pb_workloads[i]->name, name) == 0)
            return pb_workloads[i];
    return NULL;
}

const char *pb_backend_unavailable(const pb_backend *b)
{
    const char *why = b->unavailable ? b->unavailable() : NULL;
    return why ? why : "";
}

const pb_backend *pb_find_backend(const char *name)
{
    for (size_t i = 0; pb_backends[i]; i++)
        if (strcmp(pb_backends[i]->name, name) == 0)
            return pb_backends[i];
    return NULL;
}
