#include "opened.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int pb_opened_open(pb_opened *o, const char *spec, const pb_backend *b, const pb_exec_config *cfg)
{
    memset(o, 0, sizeof *o);
    pb_workload_spec ws;
    int rc = pb_cli_parse_workload(spec, &ws, &o->err);
    if (rc || (rc = pb_plan_create(&o->plan, ws.workload, &ws.params, &o->err)) != 0)
        return rc;
    o->ex = (pb_exec){ .backend = b, .config = *cfg };
    if ((rc = b->open(&o->ex, &o->plan, &o->err)) != 0) {
        pb_plan_destroy(&o->plan);
        o->ex.backend = NULL;
    }
    return rc;
}

int64_t pb_opened_round(void *ctx)
{
    pb_opened *o = ctx;
    char result[96];
    memset(&o->last, 0, sizeof o->last);
    pb_plan_reset(&o->plan);
    if (o->ex.backend->execute(&o->ex, &o->plan, &o->last, &o->err) ||
        pb_plan_verify(&o->plan, result, sizeof result, &o->err)) {
        fprintf(stderr, "%s: %s\n", o->ex.backend->name, o->err.msg);
        return -1;
    }
    return o->last.t_end - o->last.t_start;
}

void pb_opened_close(pb_opened *o)
{
    if (!o->ex.backend)
        return;
    o->ex.backend->close(&o->ex);
    pb_plan_destroy(&o->plan);
    o->ex.backend = NULL;
}
