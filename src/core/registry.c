#include "parbench/registry.h"

#include <stdio.h>
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

static void names_of_workloads(char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; pb_workloads[i] && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", pb_workloads[i]->name);
}

int pb_workload_spec_parse(const char *text, pb_workload_spec *out, pb_error *err)
{
    char name[64], names[512];
    const char *colon = strchr(text, ':');
    size_t n = colon ? (size_t)(colon - text) : strlen(text);
    out->workload = NULL;
    if (n == 0 || n >= sizeof name) {
        names_of_workloads(names, sizeof names);
        return pb_fail(err, PB_E_ARG, "'%s' names no workload (workloads: %s)", text, names);
    }
    memcpy(name, text, n);
    name[n] = '\0';
    const pb_workload *w = pb_find_workload(name);
    if (!w) {
        names_of_workloads(names, sizeof names);
        return pb_fail(err, PB_E_ARG, "unknown workload '%s' (workloads: %s)", name, names);
    }
    int rc = pb_params_init(&out->params, w->params, name, err);
    if (rc == 0 && colon)
        rc = pb_params_parse(&out->params, name, colon + 1, err);
    if (rc == 0)
        rc = pb_workload_check(w, &out->params, err);
    out->workload = w;
    return rc;
}
