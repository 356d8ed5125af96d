/* parbench topology: the machine as hwloc sees it, and where a pinning
 * policy would put W workers (also for synthetic machines). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "parbench/i18n.h"
#include "parbench/topology.h"

/* the help; the policies follow it, each with what it does (PB_PIN_LIST) */
static const char *const topology_help =
    N_("Usage: parbench topology [--pin POLICY] [--workers W] [--synthetic DESC] [--allowed LIST]\n"
       "\n"
       "Show packages, NUMA nodes, cores and PUs, the PUs this process may use, and,\n"
       "with --pin, where each of W workers would be bound.\n"
       "\n"
       "  -p, --pin POLICY     none, compact, scatter, core, or a PU list (0,2,4-7)\n"
       "  -n, --workers W      how many workers to place (default: one per usable PU)\n"
       "      --synthetic DESC a machine we do not have, in hwloc's synthetic syntax:\n"
       "                       \"pack:2 numa:2 core:4 pu:2\" is 2 packages of 2 NUMA\n"
       "                       nodes of 4 two-way SMT cores (placement only; nothing binds)\n"
       "      --allowed LIST   restrict the usable PUs further, as a container would\n"
       "  -h, --help           this help\n"
       "\n"
       "Policies:\n");

static int usage_error(const pb_error *err)
{
    fprintf(stderr, _("parbench topology: %s\nTry 'parbench topology --help'.\n"), err->msg);
    return PB_EXIT_USAGE;
}

int pb__cmd_topology(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "pin", required_argument, NULL, 'p' },
        { "workers", required_argument, NULL, 'n' },
        { "synthetic", required_argument, NULL, 'S' },
        { "allowed", required_argument, NULL, 'A' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static pb_pin_policy pin;
    const char *synthetic = NULL, *allowed = NULL;
    bool have_pin = false;
    unsigned workers = 0;
    pb_error err = { 0 };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":p:n:h", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'p': rc = pb_pin_parse(optarg, &pin, &err); have_pin = true; break;
        case 'n': rc = pb__cli_parse_count("--workers", optarg, 1, PB_MAX_WORKERS, &workers, &err); break;
        case 'S': synthetic = optarg; break;
        case 'A': allowed = optarg; break;
        case 'h':
            fputs(_(topology_help), stdout);
#define PB_X_(id, name, doc) printf("  %-10s %s\n", name, _(doc));
            PB_PIN_LIST(PB_X_)
#undef PB_X_
            return PB_EXIT_OK;
        case ':': rc = pb_fail(&err, PB_E_ARG, _("%s needs a value"), argv[optind - 1]); break;
        default: rc = pb_fail(&err, PB_E_ARG, _("unknown option '%s'"), argv[optind - 1]); break;
        }
        if (rc)
            return usage_error(&err);
    }
    if (optind < argc) {
        pb_fail(&err, PB_E_ARG, _("unexpected argument '%s'"), argv[optind]);
        return usage_error(&err);
    }
    pb_topology *t;
    if (pb_topology_load(&t, synthetic, allowed, &err))
        return usage_error(&err);
    if (have_pin && pb_pin_check(t, &pin, &err)) {
        pb_topology_free(t);
        return usage_error(&err);
    }
    pb_topology_summary s;
    pb_topology_summarize(t, &s);
    printf("%s: %d package(s), %d NUMA node(s), %d core(s), %d PU(s) (up to %d per core)\n",
           synthetic ? "synthetic machine" : "this machine", s.packages, s.numa_nodes, s.cores, s.pus, s.max_smt);
    printf("usable PUs: %s (%d)   hwloc %s\n\n", s.allowed, s.allowed_pus, s.hwloc_version);
    pb_topology_print(t, stdout);
    if (have_pin) {
        pb_placement pl;
        if (!workers)
            workers = (unsigned)s.allowed_pus;
        if (pb_place(t, &pin, workers, &pl, &err)) {
            pb_topology_free(t);
            fprintf(stderr, "parbench topology: %s\n", err.msg);
            return PB_EXIT_FAILED;
        }
        char policy[128];
        pb_pin_format(&pin, policy, sizeof policy);
        printf("\nplacement of %u worker(s) with --pin %s%s:\n", workers, policy,
               pl.oversubscribed ? " (oversubscribed: workers share PUs, placed round-robin)" : "");
        for (unsigned w = 0; w < workers && pin.kind != PB_PIN_NONE; w++) {
            printf("  worker %-4u PU", w);
            for (unsigned i = 0; i < pl.place[w].count; i++)
                printf(" %d", pl.place[w].pu[i]);
            printf("\n");
        }
        if (pin.kind == PB_PIN_NONE)
            printf("  (none: workers are not bound; the scheduler places them on PUs %s)\n", s.allowed);
        pb_placement_free(&pl);
    }
    pb_topology_free(t);
    return PB_EXIT_OK;
}
