/* parbench demo: the options, the list, and a session that runs the chosen
 * demos (src/demos/) with their narration on the screen (around the live
 * view when it is drawn) and their measurements in a result set (--out). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "parbench/demo.h"
#include "parbench/i18n.h"
#include "parbench/resultset.h"
#include "parbench/sampler.h"
#include "parbench/topology.h"

static void demo_help(void)
{
    printf(_("Usage: parbench demo [NAME | --all] [--lang en|ko] [--quick] [--live] [--out DIR]\n\n"
             "Lessons of the course notes as narrated, measured runs. Without a name, lists them.\n"
             "Each demo checks the facts it teaches and exits 1 if one does not hold; a fact this\n"
             "machine cannot show (too few free CPUs, no interleaving) is said so, not asserted.\n"
             "  --lang ko     narrate in Korean, the course's language (default: the locale's\n"
             "                language, LANGUAGE or LANG, else English)\n"
             "  --quick       shorter sleeps and counts\n"
             "  --live        the per-CPU view while the demos run (on a terminal)\n"
             "  -o, --out DIR also write the measurements as a result set in DIR (a new folder):\n"
             "                measures.csv (every number shown, with the value the lesson expects),\n"
             "                and runs.csv, tasks.csv, samples.csv for the runs made through the runner\n\n"
             "Examples:\n"
             "  parbench demo square-cube\n"
             "  parbench demo --all --lang ko\n"
             "  parbench demo race --out results/race-demo\n"));
}

static void list_demos(void)
{
    printf("%s\n", _("Demos (parbench demo NAME):"));
    size_t width = 0;
    for (size_t i = 0; pb_demos[i]; i++)
        width = strlen(pb_demos[i]->name) > width ? strlen(pb_demos[i]->name) : width;
    for (size_t i = 0; pb_demos[i]; i++)
        printf("  %-*s  %-11s  %s\n", (int)width, pb_demos[i]->name, pb_demos[i]->notes, _(pb_demos[i]->summary));
}

/* Narration around the live view. */
static void emit_live(void *user, const char *text)
{
    (void)user;
    pb__live_message("%s", text);
}

/* --out: a result set, sampled per runner run as `parbench run` does.
 * PB_EXIT_OK; PB_EXIT_USAGE for a folder that cannot be made or written,
 * PB_EXIT_FAILED when the sampler cannot start (both said on stderr). */
static int open_result_set(pb_demo_ctx *ctx, pb_resultset *rs, const char *out, int argc, char **argv)
{
    pb_error err;
    char command[2048];
    pb__cli_join_command(argc, argv, command, sizeof command);
    if (pb_resultset_create(rs, out, "results", command, NULL, &err) != 0) {
        fprintf(stderr, "parbench demo: %s\n", err.msg);
        return PB_EXIT_USAGE;   /* a folder that cannot be made or written: bad input, as for run --out */
    }
    if (pb_sampler_create(&ctx->sampler, PB_SAMPLE_HZ_DEFAULT, NULL, 0, &err) != 0) {
        fprintf(stderr, "parbench demo: %s\n", err.msg);
        pb_resultset_close(rs);
        return PB_EXIT_FAILED;
    }
    ctx->rs = rs;
    return PB_EXIT_OK;
}

/* --live: one sampling window over the whole session, the view on stderr
 * and the narration around it; NULL when it cannot be drawn. */
static pb_sampler *start_live_view(pb_demo_ctx *ctx)
{
    pb_error err;
    pb_sampler *view = NULL;
    int cpus[4096];
    unsigned n = 0;
    const pb_topology *topo = pb_topology_this(&err);
    if (topo)
        n = pb_topology_usable(topo, cpus, 4096);
    if (pb_sampler_create(&view, 10, n ? cpus : NULL, n, &err) == 0) {
        pb_sampler_start(view);
        if (pb__live_start(view)) {
            ctx->emit = emit_live;
        } else {
            pb_sampler_stop(view);
            pb_sampler_destroy(view);
            view = NULL;
        }
    }
    return view;
}

/* The chosen demo (NULL: every one), each under its title. */
static void run_demos(pb_demo_ctx *ctx, const pb_demo *chosen)
{
    for (size_t i = 0; pb_demos[i]; i++) {
        if (chosen && pb_demos[i] != chosen)
            continue;
        pb__live_status("parbench demo %s", pb_demos[i]->name);
        if (ctx->emit)
            pb__live_message("\n== %s ==\n", pb_demos[i]->name);
        else
            printf("\n== %s ==\n", pb_demos[i]->name);
        ctx->name = pb_demos[i]->name;
        fflush(stdout);
        pb_demos[i]->run(ctx);
        fflush(stdout);
    }
}

int pb__cmd_demo(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "lang", required_argument, NULL, 'l' },
        { "all", no_argument, NULL, 'a' },
        { "quick", no_argument, NULL, 'q' },
        { "live", no_argument, NULL, 'L' },
        { "out", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool all = false, quick = false, live = false;
    const char *out = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":l:aqo:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            if (strcmp(optarg, "ko") != 0 && strcmp(optarg, "en") != 0) {
                fprintf(stderr, _("parbench demo: --lang: '%s' is not a language here (en, ko)\n"), optarg);
                return PB_EXIT_USAGE;
            }
            pb_i18n_init(optarg);
            break;
        case 'a': all = true; break;
        case 'q': quick = true; break;
        case 'L': live = true; break;
        case 'o': out = optarg; break;
        case 'h': demo_help(); return PB_EXIT_OK;
        case ':':
            fprintf(stderr, _("parbench demo: %s needs a value\n"), argv[optind - 1]);
            return PB_EXIT_USAGE;
        default:
            fprintf(stderr, _("parbench demo: unknown option '%s'\nTry 'parbench demo --help'.\n"), argv[optind - 1]);
            return PB_EXIT_USAGE;
        }
    }
    if (optind < argc && all) {
        fprintf(stderr, "%s\n", _("parbench demo: give a demo NAME or --all, not both"));
        return PB_EXIT_USAGE;
    }
    if (optind + 1 < argc) {
        fprintf(stderr, _("parbench demo: one demo at a time ('%s' is extra; --all runs every one)\n"),
                argv[optind + 1]);
        return PB_EXIT_USAGE;
    }
    if (out && optind == argc && !all) {
        fprintf(stderr, "%s\n", _("parbench demo: --out needs a demo NAME or --all to measure"));
        return PB_EXIT_USAGE;
    }
    if (optind == argc && !all) {
        list_demos();
        return PB_EXIT_OK;
    }
    const pb_demo *chosen = all ? NULL : pb_find_demo(argv[optind]);
    if (!all && !chosen) {
        fprintf(stderr, _("parbench demo: unknown demo '%s' (parbench demo lists them)\n"), argv[optind]);
        return PB_EXIT_USAGE;
    }
    pb_error err;
    if (out && pb_resultset_check_dir(out, &err) != 0) {
        fprintf(stderr, "parbench demo: %s\n", err.msg);
        return PB_EXIT_USAGE;
    }

    pb_demo_ctx ctx;
    pb_demo_ctx_init(&ctx, quick);
    pb_resultset rs;
    int opened = out ? open_result_set(&ctx, &rs, out, argc, argv) : PB_EXIT_OK;
    if (opened != PB_EXIT_OK)
        return opened;
    pb_sampler *view = live ? start_live_view(&ctx) : NULL;
    run_demos(&ctx, chosen);
    if (view) {
        pb__live_stop();
        pb_sampler_stop(view);
        pb_sampler_destroy(view);
    }
    if (ctx.failed || ctx.skipped)
        printf(_("\nfacts: %d did not hold, %d could not be shown on this machine\n"), ctx.failed, ctx.skipped);
    if (ctx.rs) {
        pb_sampler_destroy(ctx.sampler);
        pb_resultset_close(ctx.rs);
        printf(_("\nresult set: %s\n"), rs.dir);
    }
    return ctx.failed || ctx.out_failed ? PB_EXIT_FAILED : PB_EXIT_OK;
}
