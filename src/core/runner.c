#include "parbench/runner.h"

#include <stdio.h>
#include <string.h>

#include "parbench/clock.h"
#include "parbench/gil.h"
#include "parbench/machine.h"
#include "parbench/sampler.h"
#include "parbench/topology.h"

static double seconds(int64_t ns)
{
    return (double)ns / 1e9;
}

double pb_ideal_seconds(const pb_plan *plan, unsigned workers, unsigned pus)
{
    int64_t longest = 0, total = 0, cpu = 0;
    for (size_t i = 0; i < plan->ntasks; i++) {
        const pb_outcome *o = &plan->outcomes[i];
        int64_t cost = o->cpu_ns + o->sleep_ns;
        if (cost > longest)
            longest = cost;
        total += cost;
        cpu += o->cpu_ns;
    }
    unsigned lanes = workers < pus ? workers : pus;
    double ideal = seconds(longest);
    double by_workers = seconds(total) / workers, by_pus = seconds(cpu) / (lanes ? lanes : 1);
    if (by_workers > ideal)
        ideal = by_workers;
    if (by_pus > ideal)
        ideal = by_pus;
    return ideal;
}

/* Did every finished task start and end on a PU of the worker that ran it? */
static int placement_held(const pb_plan *plan, const pb_placement *pl)
{
    for (size_t i = 0; i < plan->ntasks; i++) {
        const pb_outcome *o = &plan->outcomes[i];
        if (o->status != PB_TASK_DONE || o->worker < 0 || (unsigned)o->worker >= pl->workers)
            continue;
        const pb_worker_place *wp = &pl->place[o->worker];
        if (!pb_place_has(wp, o->cpu_start) || !pb_place_has(wp, o->cpu_end))
            return 0;
    }
    return 1;
}

static void fill_record(pb_run_record *rec, const pb_run_stats *st, unsigned pus)
{
    rec->t_start_ns = st->t_start;
    rec->wall_s = seconds(st->t_end - st->t_start);
    rec->spawn_s = seconds(st->t_gate - st->t_start);
    rec->work_s = seconds(st->t_work_end - st->t_gate);
    rec->join_s = seconds(st->t_end - st->t_work_end);
    rec->user_s = seconds(st->usage.user_ns);
    rec->sys_s = seconds(st->usage.sys_ns);
    rec->busy_cores = rec->wall_s > 0 ? (rec->user_s + rec->sys_s) / rec->wall_s : 0;
    rec->cpu_util = rec->busy_cores / pus;
    rec->usage = st->usage;
    rec->pus = pus;
}

int pb_run_config(const pb_config *cfg, const pb_run_observer *obs, pb_error *err)
{
    pb_plan plan;
    int rc = pb_plan_create(&plan, cfg->workload, &cfg->params, err);
    if (rc)
        return rc;

    static const pb_pin_policy unpinned = { .kind = PB_PIN_NONE };
    const pb_pin_policy *pin = cfg->pin ? cfg->pin : &unpinned;
    pb_placement placement = { .kind = PB_PIN_NONE };
    const pb_topology *topo = pb_topology_this(err);
    if (!topo || pb_place(topo, pin, cfg->workers, &placement, err) != 0) {
        pb_plan_destroy(&plan);
        return err->code;
    }
    pb_gil_enable(cfg->gil ? PB_GIL_SWITCH_NS : 0);
    pb_exec ex = { .backend = cfg->backend,
                   .config = { .workers = cfg->workers, .chunk = cfg->chunk, .ipc = cfg->ipc,
                               .task_timeout_ns = cfg->task_timeout_ns, .placement = &placement,
                               .launch = cfg->launch } };
    int64_t t0 = pb_now_ns();
    rc = cfg->backend->open(&ex, &plan, err);
    double startup_s = seconds(pb_now_ns() - t0);
    if (rc) {
        /* the backend could not start (workers refused): say so in the results */
        pb_run_record rec = { .rep = 1, .ran = false, .startup_s = startup_s, .pus = pb_allowed_pus(),
                              .bound = -1, .held = -1 };
        snprintf(rec.note, sizeof rec.note, "%s", err->msg);
        pb_pin_format(pin, rec.pin, sizeof rec.pin);
        pb_placement_format(&placement, rec.pus_used, sizeof rec.pus_used);
        pb_plan_reset(&plan);
        pb_error werr;
        int orc = obs->run_done(obs->user, cfg, &plan, &rec, &werr);
        pb_placement_free(&placement);
        pb_plan_destroy(&plan);
        if (orc)
            *err = werr;
        return orc ? orc : rc;
    }

    unsigned pus = pb_allowed_pus();
    unsigned total = cfg->warmup + cfg->reps;
    for (unsigned i = 0; i < total && rc == 0; i++) {
        if (obs->run_starting)
            obs->run_starting(obs->user, cfg, i, total);
        pb_run_record rec = { .warmup = i < cfg->warmup, .ran = true, .startup_s = startup_s };
        rec.rep = rec.warmup ? 0 : i - cfg->warmup + 1;

        pb_plan_reset(&plan);
        pb_run_stats st = { 0 };
        pb_error run_err = { 0 };
        if (obs->sampler)
            pb_sampler_start(obs->sampler);
        int exec_rc = cfg->backend->execute(&ex, &plan, &st, &run_err);
        if (obs->sampler) {
            pb_sampler_stop(obs->sampler);
            rec.sampler_cpu_s = seconds(pb_sampler_cpu_ns(obs->sampler));
            rec.samples = pb_sampler_intervals(obs->sampler, NULL);
        }
        fill_record(&rec, &st, pus);
        rec.ideal_s = pb_ideal_seconds(&plan, cfg->workers, pus);
        rec.chunk = st.chunk;
        rec.replaced = st.replaced;
        pb_pin_format(pin, rec.pin, sizeof rec.pin);
        pb_placement_format(&placement, rec.pus_used, sizeof rec.pus_used);
        rec.oversubscribed = pin->kind == PB_PIN_NONE ? cfg->workers > pus : placement.oversubscribed;
        if (st.oversubscribed_known)   /* workers on several hosts: the backend knows each host's PUs */
            rec.oversubscribed = st.oversubscribed;
        rec.worker_host = st.worker_host;
        snprintf(rec.hosts, sizeof rec.hosts, "%s", st.hosts);
        rec.host_samples = st.host_samples;
        rec.nhost_samples = st.nhost_samples;
        rec.bind_error = st.bind_error;
        rec.bound = pin->kind == PB_PIN_NONE ? -1 : st.bind_error == 0;
        rec.held = rec.bound == 1 ? placement_held(&plan, &placement) : -1;

        pb_error verr = { 0 };
        int vrc = pb_plan_verify(&plan, rec.result, sizeof rec.result, &verr);
        rec.ok = exec_rc == 0 && vrc == 0;
        if (exec_rc)
            snprintf(rec.note, sizeof rec.note, "%s", st.note[0] ? st.note : run_err.msg);
        if (vrc) {
            size_t len = strlen(rec.note);
            snprintf(rec.note + len, sizeof rec.note - len, "%s%s", len ? "; " : "", verr.msg);
        }
        rc = obs->run_done(obs->user, cfg, &plan, &rec, err);
        if (rc == 0 && exec_rc == PB_E_HUNG)
            rc = pb_fail(err, PB_E_HUNG, "%s", run_err.msg);
    }
    cfg->backend->close(&ex);
    if (rc != PB_E_HUNG)
        pb_gil_enable(0);
    if (rc != PB_E_HUNG) {
        pb_placement_free(&placement);
        pb_plan_destroy(&plan);   /* hung: other threads may still be in tasks; the exit frees it */
    }
    return rc;
}
