#include "parbench/runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parbench/clock.h"
#include "parbench/gil.h"
#include "parbench/machine.h"
#include "parbench/rng.h"
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

/* The phases mean the same under every backend and transport: spawn ends
 * when every worker can take a task (the backend's t_gate), work ends when
 * the last task stamped its own end, join when the parent has seen every
 * outcome (t_end). The backend's own work-end stamp stays only when no
 * task finished. */
static void settle_work_end(pb_run_stats *st, const pb_plan *plan)
{
    int64_t last = 0;
    for (size_t i = 0; i < plan->ntasks; i++) {
        const pb_outcome *o = &plan->outcomes[i];
        /* acquire: after a run a thread may still be in a task (stuck past --task-timeout) */
        if (__atomic_load_n(&o->status, __ATOMIC_ACQUIRE) == PB_TASK_DONE && o->t_end_ns > last)
            last = o->t_end_ns;
    }
    if (last >= st->t_gate && last <= st->t_end)
        st->t_work_end = last;
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
    rec->cpu_window_s = rec->wall_s;   /* the interval the CPU times were read over */
    if (st->t_usage_from && st->t_usage_to > st->t_usage_from &&
        st->t_usage_to - st->t_usage_from > st->t_end - st->t_start)
        rec->cpu_window_s = seconds(st->t_usage_to - st->t_usage_from);
    rec->busy_cores = rec->cpu_window_s > 0 ? (rec->user_s + rec->sys_s) / rec->cpu_window_s : 0;
    rec->cpu_util = rec->busy_cores / pus;
    rec->usage = st->usage;
    rec->pus = pus;
}

/* When the previous run of this process ended: the idle gap before the next. */
static int64_t last_run_end_ns;

const char *pb_order_name(pb_order order)
{
    return order == PB_ORDER_GROUPED ? "grouped" : "interleaved";
}

/* One configuration, opened: its placement and its backend. */
typedef struct opened {
    const pb_config *cfg;
    const pb_pin_policy *pin;
    pb_placement placement;
    pb_exec ex;
    double startup_s;
    bool open;                 /* the backend is open: runs may go */
    bool placed;               /* placement holds memory */
} opened;

static const pb_pin_policy unpinned = { .kind = PB_PIN_NONE };

/* Place and open one configuration over `plan`. A backend that cannot
 * start gets its record (ran false) through the observer. Returns 0, the
 * backend's or placement's error, or the observer's error (*obs_failed). */
static int open_config(opened *o, const pb_config *cfg, pb_plan *plan, const pb_run_observer *obs,
                       bool *obs_failed, pb_error *err)
{
    memset(o, 0, sizeof *o);
    o->cfg = cfg;
    o->pin = cfg->pin ? cfg->pin : &unpinned;
    o->placement.kind = PB_PIN_NONE;
    const pb_topology *topo = pb_topology_this(err);
    if (!topo || pb_place(topo, o->pin, cfg->workers, &o->placement, err) != 0)
        return err->code;
    o->placed = true;
    pb_gil_enable(cfg->gil ? PB_GIL_SWITCH_NS : 0);   /* before open: forked pool workers inherit it */
    o->ex = (pb_exec){ .backend = cfg->backend,
                       .config = { .workers = cfg->workers, .chunk = cfg->chunk, .ipc = cfg->ipc,
                                   .task_timeout_ns = cfg->task_timeout_ns, .placement = &o->placement,
                                   .wait = cfg->wait, .launch = cfg->launch } };
    int64_t t0 = pb_now_ns();
    int rc = cfg->backend->open(&o->ex, plan, err);
    o->startup_s = seconds(pb_now_ns() - t0);
    if (rc == 0) {
        o->open = true;
        return 0;
    }
    /* the backend could not start (workers refused): say so in the results */
    pb_run_record rec = { .rep = 1, .ran = false, .startup_s = o->startup_s, .pus = pb_allowed_pus(),
                          .bound = -1, .held = -1, .idle_before_s = NAN };
    snprintf(rec.note, sizeof rec.note, "%s", err->msg);
    pb_pin_format(o->pin, rec.pin, sizeof rec.pin);
    pb_placement_format(&o->placement, rec.pus_used, sizeof rec.pus_used);
    pb_plan_reset(plan);
    pb_error werr;
    if (obs->run_done(obs->user, cfg, plan, &rec, &werr) != 0) {
        *err = werr;
        *obs_failed = true;
        return werr.code;
    }
    return rc;
}

static void close_config(opened *o, bool hung)
{
    if (o->open)
        o->cfg->backend->close(&o->ex);
    o->open = false;
    if (o->placed && !hung)
        pb_placement_free(&o->placement);
    o->placed = false;
}

/* One repetition (index counts warm-ups first) of an opened configuration.
 * Returns 0, the observer's error, or PB_E_HUNG. */
static int run_once(opened *o, pb_plan *plan, const pb_run_observer *obs, unsigned index, unsigned round,
                    unsigned position, pb_error *err)
{
    const pb_config *cfg = o->cfg;
    unsigned total = cfg->warmup + cfg->reps;
    if (obs->run_starting)
        obs->run_starting(obs->user, cfg, index, total);
    pb_run_record rec = { .warmup = index < cfg->warmup, .ran = true, .startup_s = o->startup_s };
    rec.rep = rec.warmup ? 0 : index - cfg->warmup + 1;
    rec.round = rec.warmup ? 0 : round;
    rec.position = rec.warmup ? 0 : position;

    unsigned pus = pb_allowed_pus();
    pb_gil_enable(cfg->gil ? PB_GIL_SWITCH_NS : 0);
    pb_plan_reset(plan);
    pb_run_stats st = { 0 };
    pb_error run_err = { 0 };
    if (obs->sampler)
        pb_sampler_start(obs->sampler);
    int exec_rc = cfg->backend->execute(&o->ex, plan, &st, &run_err);
    if (obs->sampler) {
        pb_sampler_stop(obs->sampler);
        rec.sampler_cpu_s = seconds(pb_sampler_cpu_ns(obs->sampler));
        rec.samples = pb_sampler_intervals(obs->sampler, NULL);
    }
    settle_work_end(&st, plan);
    rec.idle_before_s = last_run_end_ns ? seconds(st.t_start - last_run_end_ns) : NAN;
    last_run_end_ns = st.t_end;
    fill_record(&rec, &st, pus);
    rec.ideal_s = pb_ideal_seconds(plan, cfg->workers, pus);
    rec.bind_s = seconds(st.bind_ns);
    rec.chunk = st.chunk;
    rec.replaced = st.replaced;
    pb_pin_format(o->pin, rec.pin, sizeof rec.pin);
    pb_placement_format(&o->placement, rec.pus_used, sizeof rec.pus_used);
    rec.oversubscribed = o->pin->kind == PB_PIN_NONE ? cfg->workers > pus : o->placement.oversubscribed;
    if (st.oversubscribed_known)   /* workers on several hosts: the backend knows each host's PUs */
        rec.oversubscribed = st.oversubscribed;
    rec.worker_host = st.worker_host;
    snprintf(rec.hosts, sizeof rec.hosts, "%s", st.hosts);
    rec.host_samples = st.host_samples;
    rec.nhost_samples = st.nhost_samples;
    snprintf(rec.bind_refusal, sizeof rec.bind_refusal, "%s", st.bind_refusal);
    rec.bound = o->pin->kind == PB_PIN_NONE ? -1 : st.bind_refusal[0] == '\0';
    rec.held = rec.bound == 1 ? placement_held(plan, &o->placement) : -1;

    pb_error verr = { 0 };
    int vrc = pb_plan_verify(plan, rec.result, sizeof rec.result, &verr);
    rec.ok = exec_rc == 0 && vrc == 0;
    if (exec_rc)
        snprintf(rec.note, sizeof rec.note, "%s", st.note[0] ? st.note : run_err.msg);
    if (vrc) {
        size_t len = strlen(rec.note);
        snprintf(rec.note + len, sizeof rec.note - len, "%s%s", len ? "; " : "", verr.msg);
    }
    int rc = obs->run_done(obs->user, cfg, plan, &rec, err);
    if (rc == 0 && exec_rc == PB_E_HUNG)
        rc = pb_fail(err, PB_E_HUNG, "%s", run_err.msg);
    return rc;
}

/* Every repetition of one configuration. *fatal: the error stops
 * everything (the observer's, or a hung thread), not just this one. */
static int run_grouped(const pb_config *cfg, const pb_run_observer *obs, bool *fatal, pb_error *err)
{
    *fatal = false;
    pb_plan plan;
    int rc = pb_plan_create(&plan, cfg->workload, &cfg->params, err);
    if (rc)
        return rc;
    opened o;
    rc = open_config(&o, cfg, &plan, obs, fatal, err);
    if (rc) {
        close_config(&o, false);
        pb_gil_enable(0);
        pb_plan_destroy(&plan);
        return rc;
    }
    unsigned total = cfg->warmup + cfg->reps;
    for (unsigned i = 0; i < total && rc == 0; i++)
        rc = run_once(&o, &plan, obs, i, i < cfg->warmup ? 0 : i - cfg->warmup + 1, 1, err);
    *fatal = rc != 0;
    bool hung = rc == PB_E_HUNG;
    close_config(&o, hung);
    if (!hung) {
        pb_gil_enable(0);
        pb_plan_destroy(&plan);   /* hung: other threads may still be in tasks; the exit frees it */
    }
    return rc;
}

int pb_run_config(const pb_config *cfg, const pb_run_observer *obs, pb_error *err)
{
    bool fatal;
    return run_grouped(cfg, obs, &fatal, err);
}

void pb_round_order(uint64_t seed, unsigned round, unsigned n, unsigned *order)
{
    for (unsigned i = 0; i < n; i++)
        order[i] = i;
    for (unsigned i = n; i > 1; i--) {   /* Fisher-Yates: order[i-1] from the first i */
        unsigned j = (unsigned)pb_uniform(seed, ((uint64_t)round << 32) | i, 0, i - 1);
        unsigned t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

/* Do two configurations run the same plan? */
static bool same_workload(const pb_config *a, const pb_config *b)
{
    if (a->workload != b->workload)
        return false;
    char x[1024], y[1024];
    pb_params_format(&a->params, x, sizeof x, true);
    pb_params_format(&b->params, y, sizeof y, true);
    return strcmp(x, y) == 0;
}

/* Another configuration runs next: a pool whose workers spin by its wait
 * policy (--wait) puts them to sleep, so that they take no CPU from it. */
static void rest_config(opened *o, unsigned configs)
{
    if (configs > 1 && o->open && o->ex.backend->rest)
        o->ex.backend->rest(&o->ex);
}

/* Run one workload group interleaved: open all, warm up all, then rounds. */
static int run_group_interleaved(const pb_config *cfgs, unsigned n, uint64_t seed, const pb_run_observer *obs,
                                 pb_error *err)
{
    pb_plan plan;
    pb_error perr = { 0 };
    if (pb_plan_create(&plan, cfgs[0].workload, &cfgs[0].params, &perr) != 0) {
        for (unsigned i = 0; i < n; i++)
            if (obs->config_failed)
                obs->config_failed(obs->user, &cfgs[i], &perr);
        return 0;
    }
    opened *os = calloc(n, sizeof *os);
    unsigned *order = calloc(n, sizeof *order);
    if (!os || !order) {
        free(os);
        free(order);
        pb_plan_destroy(&plan);
        return pb_fail(err, PB_E_NOMEM, "out of memory for %u configurations", n);
    }
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        bool obs_failed = false;
        pb_error oerr = { 0 };
        if (open_config(&os[i], &cfgs[i], &plan, obs, &obs_failed, &oerr) != 0) {
            close_config(&os[i], false);
            if (obs_failed) {
                *err = oerr;
                rc = oerr.code;
            } else if (obs->config_failed) {
                obs->config_failed(obs->user, &cfgs[i], &oerr);
            }
        }
    }
    /* warm-ups first, in configuration order, so that no round starts cold */
    for (unsigned i = 0; i < n && rc == 0; i++) {
        for (unsigned k = 0; os[i].open && k < cfgs[i].warmup && rc == 0; k++)
            rc = run_once(&os[i], &plan, obs, k, 0, 0, err);
        rest_config(&os[i], n);
    }
    unsigned rounds = 0;
    for (unsigned i = 0; i < n; i++)
        rounds = cfgs[i].reps > rounds ? cfgs[i].reps : rounds;
    for (unsigned r = 1; r <= rounds && rc == 0; r++) {
        pb_round_order(seed, r, n, order);
        unsigned position = 0;
        for (unsigned k = 0; k < n && rc == 0; k++) {
            opened *o = &os[order[k]];
            if (!o->open || r > o->cfg->reps)
                continue;
            rc = run_once(o, &plan, obs, o->cfg->warmup + r - 1, r, ++position, err);
            rest_config(o, n);
        }
    }
    bool hung = rc == PB_E_HUNG;
    for (unsigned i = 0; i < n; i++)
        close_config(&os[i], hung);   /* a hung backend keeps what its stuck thread uses */
    free(order);
    if (!hung) {
        free(os);
        pb_gil_enable(0);
        pb_plan_destroy(&plan);   /* hung: a stuck thread still reads the plan; the exit frees it */
    }
    return rc;
}

int pb_run_configs(const pb_config *cfgs, unsigned n, pb_order order, uint64_t seed, const pb_run_observer *obs,
                   pb_error *err)
{
    for (unsigned first = 0, group = 0; first < n; group++) {
        unsigned end = first + 1;
        if (order == PB_ORDER_INTERLEAVED)
            while (end < n && same_workload(&cfgs[first], &cfgs[end]))
                end++;
        int rc;
        if (order == PB_ORDER_INTERLEAVED) {
            rc = run_group_interleaved(cfgs + first, end - first, pb_splitmix64(seed + group), obs, err);
        } else {
            bool fatal;
            pb_error cerr = { 0 };
            rc = run_grouped(&cfgs[first], obs, &fatal, &cerr);
            if (rc && !fatal) {
                if (obs->config_failed)
                    obs->config_failed(obs->user, &cfgs[first], &cerr);
                rc = 0;
            } else if (rc) {
                *err = cerr;
            }
        }
        if (rc)
            return rc;
        first = end;
    }
    return 0;
}
