#include "parbench/wait.h"

#include <string.h>

static const char *const names[] = {
    [PB_WAIT_ADAPTIVE] = "adaptive",
    [PB_WAIT_ACTIVE] = "active",
    [PB_WAIT_PASSIVE] = "passive",
};

const char *pb_wait_name(pb_wait_kind kind)
{
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

int pb_wait_parse(const char *text, pb_wait_kind *out, pb_error *err)
{
    for (unsigned k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strcmp(text, names[k]) == 0) {
            *out = (pb_wait_kind)k;
            return 0;
        }
    return pb_fail(err, PB_E_ARG, "--wait: unknown policy '%s' (passive, active or adaptive)", text);
}

int64_t pb_wait_spin_ns(const pb_wait_policy *w, bool busy)
{
    switch (w->kind) {
    case PB_WAIT_PASSIVE: return 0;
    case PB_WAIT_ACTIVE: return busy ? INT64_MAX : PB_WAIT_ACTIVE_IDLE_NS;
    default: return w->spin_ns > 0 ? w->spin_ns : PB_SPIN_NS_DEFAULT;
    }
}
