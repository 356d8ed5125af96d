#include "opened.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parbench/registry.h"

int pb__opened_open(pb_opened *o, const char *spec, const pb_backend *b, const pb_exec_config *cfg)
{
    return pb__opened_open_on(o, spec, b, cfg, -1);
}

int pb__opened_open_on(pb_opened *o, const char *spec, const pb_backend *b, const pb_exec_config *cfg, int pu)
{
    memset(o, 0, sizeof *o);
    pb_workload_spec ws;
    int rc = pb_workload_spec_parse(spec, &ws, &o->err);
    if (rc || (rc = pb_plan_create(&o->plan, ws.workload, &ws.params, &o->err)) != 0)
        return rc;
    o->ex = (pb_exec){ .backend = b, .config = *cfg };
    if (pu >= 0) {
        o->placement = (pb_placement){ .kind = PB_PIN_PUS, .workers = cfg->workers,
                                       .place = calloc(cfg->workers, sizeof *o->placement.place) };
        if (!o->placement.place) {
            pb_plan_destroy(&o->plan);
            return pb_fail(&o->err, PB_E_NOMEM, "out of memory");
        }
        for (unsigned w = 0; w < cfg->workers; w++)
            o->placement.place[w] = (pb_worker_place){ .count = 1, .pu = { pu } };
        o->ex.config.placement = &o->placement;
    }
    if ((rc = b->open(&o->ex, &o->plan, &o->err)) != 0) {
        pb_plan_destroy(&o->plan);
        free(o->placement.place);
        o->ex.backend = NULL;
    }
    return rc;
}

int64_t pb__opened_round(void *ctx)
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

void pb__opened_close(pb_opened *o)
{
    if (!o->ex.backend)
        return;
    o->ex.backend->close(&o->ex);
    pb_plan_destroy(&o->plan);
    free(o->placement.place);
    o->placement.place = NULL;
    o->ex.backend = NULL;
}
