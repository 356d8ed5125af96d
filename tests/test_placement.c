/* Placement policies on synthetic machines we do not have, and binding on
 * this one: every policy's placement is asserted for several W; a pinned
 * run's tasks are checked to have run on their worker's PUs. */
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>

#include "check.h"
#include "cli/cli.h"
#include "parbench/registry.h"
#include "parbench/runner.h"
#include "parbench/topology.h"

/* Place W workers on a synthetic machine and compare with the expected text. */
static void expect(const char *synthetic, const char *allowed, const char *policy, unsigned W, const char *want,
                   bool oversubscribed)
{
    pb_topology *t;
    pb_error err;
    pb_pin_policy pin;
    pb_placement pl;
    char got[4096];
    CHECK_MSG(pb_topology_load(&t, synthetic, allowed, &err) == 0, "%s: %s", synthetic, err.msg);
    CHECK_MSG(pb_pin_parse(policy, &pin, &err) == 0, "%s: %s", policy, err.msg);
    CHECK_MSG(pb_place(t, &pin, W, &pl, &err) == 0, "%s: %s", synthetic, err.msg);
    pb_placement_format(&pl, got, sizeof got);
    CHECK_MSG(strcmp(got, want) == 0, "[%s]%s%s --pin %s W=%u: got '%s', expected '%s'", synthetic,
              allowed ? " allowed " : "", allowed ? allowed : "", policy, W, got, want);
    CHECK_MSG(pl.oversubscribed == oversubscribed, "[%s] --pin %s W=%u: oversubscribed %d", synthetic, policy, W,
              pl.oversubscribed);
    pb_placement_free(&pl);
    pb_topology_free(t);
}

static void summary(const char *synthetic, int packages, int numa, int cores, int pus, int smt)
{
    pb_topology *t;
    pb_error err;
    pb_topology_summary s;
    CHECK(pb_topology_load(&t, synthetic, NULL, &err) == 0);
    pb_topology_summarize(t, &s);
    CHECK_MSG(s.packages == packages && s.numa_nodes == numa && s.cores == cores && s.pus == pus && s.max_smt == smt,
              "%s: %d packages %d numa %d cores %d pus %d smt", synthetic, s.packages, s.numa_nodes, s.cores, s.pus,
              s.max_smt);
    pb_topology_free(t);
}

int main(void)
{
    summary("pu:1", 0, 1, 0, 1, 1);
    summary("core:2 pu:1", 0, 1, 2, 2, 1);
    summary("core:8 pu:2", 0, 1, 8, 16, 2);
    summary("pack:2 numa:2 core:4 pu:2", 2, 4, 16, 32, 2);

    /* a 1-PU machine: everyone shares PU 0 */
    expect("pu:1", NULL, "compact", 1, "0", false);
    expect("pu:1", NULL, "compact", 3, "0 0 0", true);
    expect("pu:1", NULL, "scatter", 2, "0 0", true);
    expect("pu:1", NULL, "core", 2, "0 0", true);
    expect("pu:1", NULL, "none", 4, "-", true);

    /* 2 cores, no SMT */
    expect("core:2 pu:1", NULL, "compact", 2, "0 1", false);
    expect("core:2 pu:1", NULL, "compact", 4, "0 1 0 1", true);
    expect("core:2 pu:1", NULL, "scatter", 1, "0", false);
    expect("core:2 pu:1", NULL, "scatter", 2, "0 1", false);
    expect("core:2 pu:1", NULL, "core", 3, "0 1 0", true);
    expect("core:2 pu:1", NULL, "1,0", 3, "1 0 1", true);

    /* 8 cores with 2-way SMT: one PU per core before any sibling */
    expect("core:8 pu:2", NULL, "compact", 4, "0 2 4 6", false);
    expect("core:8 pu:2", NULL, "compact", 8, "0 2 4 6 8 10 12 14", false);
    expect("core:8 pu:2", NULL, "compact", 10, "0 2 4 6 8 10 12 14 1 3", false);
    expect("core:8 pu:2", NULL, "compact", 17, "0 2 4 6 8 10 12 14 1 3 5 7 9 11 13 15 0", true);
    expect("core:8 pu:2", NULL, "scatter", 2, "0 8", false);
    expect("core:8 pu:2", NULL, "scatter", 4, "0 4 8 12", false);
    expect("core:8 pu:2", NULL, "scatter", 8, "0 2 4 6 8 10 12 14", false);
    expect("core:8 pu:2", NULL, "core", 3, "0-1 2-3 4-5", false);
    expect("core:8 pu:2", NULL, "core", 9, "0-1 2-3 4-5 6-7 8-9 10-11 12-13 14-15 0-1", true);

    /* 2 packages x 2 NUMA nodes x 4 cores x 2 PUs: scatter spreads over packages, then nodes */
    expect("pack:2 numa:2 core:4 pu:2", NULL, "scatter", 2, "0 16", false);
    expect("pack:2 numa:2 core:4 pu:2", NULL, "scatter", 4, "0 8 16 24", false);
    expect("pack:2 numa:2 core:4 pu:2", NULL, "scatter", 8, "0 4 8 12 16 20 24 28", false);
    expect("pack:2 numa:2 core:4 pu:2", NULL, "compact", 4, "0 2 4 6", false);
    expect("pack:2 numa:2 core:4 pu:2", NULL, "core", 2, "0-1 2-3", false);

    /* a restricted allowed set (a container given PUs 4-11 of the SMT machine) */
    expect("core:8 pu:2", "4-11", "compact", 4, "4 6 8 10", false);
    expect("core:8 pu:2", "4-11", "compact", 6, "4 6 8 10 5 7", false);
    expect("core:8 pu:2", "4-11", "scatter", 2, "4 8", false);
    expect("core:8 pu:2", "4-11", "core", 5, "4-5 6-7 8-9 10-11 4-5", true);
    expect("core:8 pu:2", "4-11", "compact", 9, "4 6 8 10 5 7 9 11 4", true);
    /* half a core allowed: only its usable PU is placed */
    expect("core:8 pu:2", "1-4", "core", 3, "1 2-3 4", false);

    /* bad input: each names the option */
    pb_topology *t;
    pb_error err;
    pb_pin_policy pin;
    CHECK(pb_topology_load(&t, "bogus:3", NULL, &err) == PB_E_ARG && strstr(err.msg, "--synthetic"));
    CHECK(pb_topology_load(&t, "core:2 pu:1", "x", &err) == PB_E_ARG && strstr(err.msg, "--allowed"));
    CHECK(pb_topology_load(&t, "core:2 pu:1", "7", &err) == PB_E_ARG && strstr(err.msg, "no usable PU"));
    CHECK(pb_pin_parse("tight", &pin, &err) == PB_E_ARG && strstr(err.msg, "--pin"));
    CHECK(pb_pin_parse("3-1", &pin, &err) == PB_E_ARG);
    CHECK(pb_pin_parse("0,,1", &pin, &err) == PB_E_ARG);
    /* written with ranges, as runs.csv records it; a list too long to record is refused, not cut */
    char text[PB_PIN_TEXT_MAX];
    CHECK(pb_pin_parse("0,1,2,3,8,10-12", &pin, &err) == 0);
    pb_pin_format(&pin, text, sizeof text);
    CHECK(strcmp(text, "pus:0-3,8,10-12") == 0);
    CHECK(pb_pin_parse("211-1213", &pin, &err) == 0 && pin.count == 1003);   /* the fuzzer's find */
    pb_pin_format(&pin, text, sizeof text);
    CHECK(strcmp(text, "pus:211-1213") == 0);
    char many[1024];
    size_t len = 0;
    for (int pu = 0; pu < 200; pu += 2)
        len += (size_t)snprintf(many + len, sizeof many - len, "%s%d", pu ? "," : "", pu);
    CHECK(pb_pin_parse(many, &pin, &err) == PB_E_RANGE && strstr(err.msg, "too long to record"));
    CHECK(pb_topology_load(&t, "core:2 pu:1", NULL, &err) == 0);
    CHECK(pb_pin_parse("0,5", &pin, &err) == 0);
    CHECK(pb_pin_check(t, &pin, &err) == PB_E_RANGE && strstr(err.msg, "PU 5"));
    pb_topology_free(t);

    /* this machine: a pinned run's tasks ran on the PUs of the worker that ran them */
    pb_workload_spec s;
    CHECK(pb__cli_parse_workload("counter:n=2e6,tasks=8", &s, &err) == 0);
    const pb_topology *here = pb_topology_this(&err);
    CHECK(here != NULL);
    const char *policies[] = { "compact", "scatter", "core" };
    for (size_t b = 0; pb_backends[b]; b++) {
        if (*pb_backend_unavailable(pb_backends[b])) {
            printf("placement: %s is not available here (%s): not tested\n", pb_backends[b]->name,
                   pb_backend_unavailable(pb_backends[b]));
            continue;
        }
        for (size_t k = 0; k < 3; k++) {
            pb_pin_parse(policies[k], &pin, &err);
            pb_placement pl;
            unsigned W = pb_backends[b] == &pb_backend_serial ? 1 : 2;
            pb_place(here, &pin, W, &pl, &err);
            pb_plan plan;
            CHECK(pb_plan_create(&plan, s.workload, &s.params, &err) == 0);
            pb_exec ex = { .backend = pb_backends[b], .config = { .workers = W, .placement = &pl } };
            pb_run_stats st = { 0 };
            char result[96];
            CHECK(pb_backends[b]->open(&ex, &plan, &err) == 0);
            for (int rep = 0; rep < 2; rep++) {   /* twice: pools and teams keep their binding between runs */
                pb_plan_reset(&plan);
                CHECK(pb_backends[b]->execute(&ex, &plan, &st, &err) == 0);
                CHECK(pb_plan_verify(&plan, result, sizeof result, &err) == 0);
                CHECK_MSG(st.bind_refusal[0] == '\0', "%s --pin %s: binding refused (%s)", pb_backends[b]->name,
                          policies[k], st.bind_refusal);
                for (size_t i = 0; i < plan.ntasks; i++) {
                    const pb_outcome *o = &plan.outcomes[i];
                    const pb_worker_place *wp = &pl.place[o->worker];
                    CHECK_MSG(pb_place_has(wp, o->cpu_start) && pb_place_has(wp, o->cpu_end),
                              "%s --pin %s rep %d: task %zu of worker %d ran on CPU %d..%d", pb_backends[b]->name,
                              policies[k], rep, i, o->worker, o->cpu_start, o->cpu_end);
                }
            }
            pb_backends[b]->close(&ex);
            pb_plan_destroy(&plan);
            pb_placement_free(&pl);
        }
    }
    /* serial restores the calling thread's mask: a later unpinned worker is free */
    cpu_set_t mask;
    pb_topology_summary sum;
    pb_topology_summarize(here, &sum);
    CHECK(sched_getaffinity(0, sizeof mask, &mask) == 0 && CPU_COUNT(&mask) == sum.allowed_pus);
    return check_report("placement");
}
