/* The order repetitions run in (--order): interleaved rounds, shuffled
 * from a seed, every configuration opened once and kept open across the
 * rounds, warm-ups first; grouped runs one configuration after another.
 * The backend here is a counting stand-in around serial, so what is
 * checked is the runner's order, not any real backend's speed. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/cli.h"
#include "parbench/registry.h"
#include "parbench/runner.h"

enum { MAX_EVENTS = 256, FAILING_TAG = 9 };

typedef struct event {
    char what;                 /* 'o' open, 'r' run, 'c' close */
    unsigned cfg;              /* configuration index (the exec's worker count is the tag) */
    unsigned rep, round, position;
    bool warmup;
} event;

static event events[MAX_EVENTS];
static unsigned nevents;
static unsigned opens_now;     /* backends open at this moment */
static unsigned max_open;

static void log_event(char what, unsigned cfg, const pb_run_record *rec)
{
    if (nevents == MAX_EVENTS)
        return;
    event *e = &events[nevents++];
    *e = (event){ .what = what, .cfg = cfg };
    if (rec) {
        e->rep = rec->rep;
        e->round = rec->round;
        e->position = rec->position;
        e->warmup = rec->warmup;
    }
}

/* A backend that runs the tasks serially and logs open and close; the
 * configuration is told by its worker count (1..MAX_CFG). */
static int tag_open(pb_exec *ex, const pb_plan *plan, pb_error *err)
{
    if (ex->config.workers == FAILING_TAG)
        return pb_fail(err, PB_E_WORKER, "tag: configuration %u refuses to open", FAILING_TAG);
    log_event('o', ex->config.workers, NULL);
    if (++opens_now > max_open)
        max_open = opens_now;
    return pb_backend_serial.open(ex, plan, err);
}

static int tag_execute(pb_exec *ex, const pb_plan *plan, pb_run_stats *st, pb_error *err)
{
    pb_exec one = *ex;
    one.config.workers = 1;
    one.config.placement = NULL;
    return pb_backend_serial.execute(&one, plan, st, err);
}

static void tag_close(pb_exec *ex)
{
    log_event('c', ex->config.workers, NULL);
    opens_now--;
    pb_backend_serial.close(ex);
}

static const pb_backend tag_backend = {
    .name = "tag", .summary = "test", .ipc_mask = 1u << PB_IPC_ARENA,
    .open = tag_open, .execute = tag_execute, .close = tag_close,
};

static int on_done(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec, pb_error *err)
{
    (void)user, (void)plan, (void)err;
    if (!rec->ran) {   /* the backend did not open: its record says why */
        log_event('f', cfg->workers, rec);
        return 0;
    }
    CHECK_MSG(rec->ok, "run of configuration %u failed: %s", cfg->workers, rec->note);
    log_event('r', cfg->workers, rec);
    return 0;
}

static unsigned failed_configs;

static void on_failed(void *user, const pb_config *cfg, const pb_error *err)
{
    (void)user, (void)cfg, (void)err;
    failed_configs++;
}

static void run_all(pb_config *cfgs, unsigned n, pb_order order, uint64_t seed)
{
    nevents = opens_now = max_open = 0;
    pb_run_observer obs = { .run_done = on_done, .config_failed = on_failed };
    pb_error err = { 0 };
    int rc = pb_run_configs(cfgs, n, order, seed, &obs, &err);
    CHECK_MSG(rc == 0, "pb_run_configs: %s", err.msg);
    CHECK(opens_now == 0);
}

static pb_config config(const char *spec, unsigned tag, unsigned reps, unsigned warmup)
{
    pb_workload_spec s;
    pb_error err;
    if (pb__cli_parse_workload(spec, &s, &err) != 0) {
        fprintf(stderr, "%s: %s\n", spec, err.msg);
        exit(1);
    }
    return (pb_config){ .workload = s.workload, .params = s.params, .backend = &tag_backend, .workers = tag,
                        .reps = reps, .warmup = warmup };
}

/* Rounds: every configuration's repetition r before anyone's r + 1. */
static void check_interleaved(void)
{
    pb_config cfgs[4];
    for (unsigned i = 0; i < 4; i++)
        cfgs[i] = config("counter:n=10,tasks=2", i + 1, 5, 2);
    run_all(cfgs, 4, PB_ORDER_INTERLEAVED, 7);

    unsigned opens = 0, closes = 0, runs = 0, warmups = 0;
    unsigned last_round = 0, seen_in_round = 0;
    bool first_close_after_runs = true, warmups_first = true;
    unsigned rounds_shuffled = 0, prev_first = 0;
    for (unsigned k = 0; k < nevents; k++) {
        event *e = &events[k];
        if (e->what == 'o') {
            opens++;
            CHECK_MSG(runs == 0 && warmups == 0, "configuration %u opened after runs began", e->cfg);
        } else if (e->what == 'c') {
            closes++;
            if (runs != 20)
                first_close_after_runs = false;
        } else if (e->warmup) {
            warmups++;
            if (runs)
                warmups_first = false;
        } else {
            runs++;
            CHECK_MSG(e->round == e->rep, "interleaved: rep %u ran in round %u", e->rep, e->round);
            if (e->round != last_round) {
                CHECK_MSG(e->round == last_round + 1, "round %u after round %u", e->round, last_round);
                CHECK_MSG(last_round == 0 || seen_in_round == 4, "round %u had %u runs", last_round, seen_in_round);
                if (last_round && e->cfg != prev_first)
                    rounds_shuffled++;
                prev_first = e->cfg;
                last_round = e->round;
                seen_in_round = 0;
            }
            seen_in_round++;
            CHECK_MSG(e->position == seen_in_round, "position %u, expected %u", e->position, seen_in_round);
        }
    }
    CHECK_MSG(opens == 4 && closes == 4, "each configuration opened and closed once (%u, %u)", opens, closes);
    CHECK_MSG(max_open == 4, "all four open together (at most %u were)", max_open);
    CHECK_MSG(runs == 20 && warmups == 8, "runs %u, warm-ups %u", runs, warmups);
    CHECK(warmups_first);
    CHECK(first_close_after_runs);
    /* with seed 7 the first configuration of the rounds changes at least once in five rounds */
    CHECK_MSG(rounds_shuffled > 0, "every round ran in the same order");

    /* the same seed gives the same order; another seed another one */
    event first[MAX_EVENTS];
    unsigned nfirst = nevents;
    memcpy(first, events, sizeof first);
    run_all(cfgs, 4, PB_ORDER_INTERLEAVED, 7);
    bool same = nevents == nfirst;
    for (unsigned k = 0; same && k < nevents; k++)
        same = first[k].what == events[k].what && first[k].cfg == events[k].cfg && first[k].rep == events[k].rep;
    CHECK_MSG(same, "seed 7 twice gave two orders");
    run_all(cfgs, 4, PB_ORDER_INTERLEAVED, 8);
    same = nevents == nfirst;
    for (unsigned k = 0; same && k < nevents; k++)
        same = first[k].cfg == events[k].cfg;
    CHECK_MSG(!same, "seeds 7 and 8 gave the same order");
}

/* Two workloads: rounds never mix them, and the first is closed before
 * the second opens. */
static void check_groups(void)
{
    pb_config cfgs[4] = { config("counter:n=10,tasks=2", 1, 3, 0), config("counter:n=10,tasks=2", 2, 3, 0),
                          config("counter:n=20,tasks=2", 3, 3, 0), config("counter:n=20,tasks=2", 4, 3, 0) };
    run_all(cfgs, 4, PB_ORDER_INTERLEAVED, 1);
    bool second_started = false, mixed = false;
    unsigned closes_before = 0;
    for (unsigned k = 0; k < nevents; k++) {
        event *e = &events[k];
        if (e->cfg >= 3)
            second_started = true;
        else if (second_started)
            mixed = true;
        if (e->what == 'c' && !second_started)
            closes_before++;
    }
    CHECK_MSG(!mixed, "a run of the first workload came after the second began");
    CHECK_MSG(closes_before == 2, "the first workload's two configurations closed before the second opened (%u)",
              closes_before);
    CHECK(max_open == 2);
}

/* Grouped: one configuration at a time, in the given order. */
static void check_grouped(void)
{
    pb_config cfgs[3];
    for (unsigned i = 0; i < 3; i++)
        cfgs[i] = config("counter:n=10,tasks=2", i + 1, 3, 1);
    run_all(cfgs, 3, PB_ORDER_GROUPED, 7);
    CHECK_MSG(max_open == 1, "grouped kept %u open at once", max_open);
    unsigned expect_cfg = 1, runs_of_cfg = 0;
    for (unsigned k = 0; k < nevents; k++) {
        event *e = &events[k];
        if (e->what != 'r')
            continue;
        if (runs_of_cfg == 4) {
            expect_cfg++;
            runs_of_cfg = 0;
        }
        CHECK_MSG(e->cfg == expect_cfg, "grouped: configuration %u ran where %u was due", e->cfg, expect_cfg);
        if (!e->warmup)
            CHECK_MSG(e->round == e->rep && e->position == 1, "grouped: rep %u round %u position %u", e->rep,
                      e->round, e->position);
        runs_of_cfg++;
    }
    CHECK(expect_cfg == 3 && runs_of_cfg == 4);
}

/* A configuration whose backend cannot open gets its record and is told;
 * the rest run, in both orders. */
static void check_failure_isolated(void)
{
    for (int order = PB_ORDER_INTERLEAVED; order <= PB_ORDER_GROUPED; order++) {
        pb_config cfgs[2] = { config("counter:n=10,tasks=2", FAILING_TAG, 2, 0),
                              config("counter:n=10,tasks=2", 2, 2, 0) };
        failed_configs = 0;
        run_all(cfgs, 2, (pb_order)order, 1);
        unsigned runs2 = 0, records = 0;
        for (unsigned k = 0; k < nevents; k++) {
            runs2 += events[k].what == 'r' && events[k].cfg == 2;
            records += events[k].what == 'f' && events[k].cfg == FAILING_TAG;
        }
        CHECK_MSG(failed_configs == 1, "%s: failed configurations: %u", pb_order_name((pb_order)order),
                  failed_configs);
        CHECK_MSG(records == 1, "%s: records of the failed one: %u", pb_order_name((pb_order)order), records);
        CHECK_MSG(runs2 == 2, "%s: the other configuration ran %u times", pb_order_name((pb_order)order), runs2);
    }
}

/* The shuffle: a permutation, every order about equally often. */
static void check_round_order(void)
{
    for (unsigned n = 1; n <= 40; n++) {
        unsigned o[40];
        bool seen[40] = { false }, perm = true;
        pb_round_order(3, 5, n, o);
        for (unsigned i = 0; i < n; i++) {
            perm = perm && o[i] < n && !seen[o[i]];
            if (o[i] < n)
                seen[o[i]] = true;
        }
        CHECK_MSG(perm, "round order of %u is not a permutation", n);
    }
    unsigned count[6] = { 0 };
    for (unsigned r = 1; r <= 6000; r++) {
        unsigned o[3];
        pb_round_order(12345, r, 3, o);
        count[o[0] * 2 + (o[1] > o[2])]++;
    }
    /* 6000 draws, 1000 expected each: a deterministic stream, so the bound
     * only has to hold for this seed; 850..1150 is 5 standard deviations */
    for (unsigned i = 0; i < 6; i++)
        CHECK_MSG(count[i] > 850 && count[i] < 1150, "order %u drawn %u times of 6000", i, count[i]);
}

int main(void)
{
    check_round_order();
    check_interleaved();
    check_groups();
    check_grouped();
    check_failure_isolated();
    return check_report("order");
}
