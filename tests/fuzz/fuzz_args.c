/* Fuzz target: every parser of the command line and of workload parameters.
 * The first byte picks the parser, the rest is the argument's text. Beyond
 * "never crashes, never reads out of bounds": what parses must format and
 * parse back to the same thing (workload specs, pin policies), and resolved
 * worker counts must be ascending, without duplicates, within limits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "parbench/params.h"
#include "parbench/topology.h"

static void must(int cond, const char *what, const char *text)
{
    if (!cond) {
        fprintf(stderr, "fuzz_args: %s: [%s]\n", what, text);
        abort();
    }
}

static void workload_round_trip(const char *text)
{
    pb_workload_spec a, b;
    pb_error err;
    if (pb__cli_parse_workload(text, &a, &err) != 0) {
        must(err.msg[0] != '\0', "a refusal without a message", text);
        return;
    }
    char params[1024], again[1200];
    pb_params_format(&a.params, params, sizeof params, true);
    snprintf(again, sizeof again, "%s%s%s", a.workload->name, params[0] ? ":" : "", params);
    must(pb__cli_parse_workload(again, &b, &err) == 0, "its own formatting was refused", again);
    must(b.workload == a.workload && memcmp(b.params.value, a.params.value, sizeof a.params.value) == 0 &&
             b.params.fault == a.params.fault && b.params.fault_task == a.params.fault_task,
         "formatting and parsing again changed it", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    pb_error err;
    switch (data[0] % 9) {
    case 0: workload_round_trip(text); break;
    case 1: {
        pb_backend_set set;
        if (pb__cli_parse_backends(text, &set, &err) == 0)
            must(set.count >= 1 && set.count <= PB_MAX_BACKENDS, "backend count", text);
        break;
    }
    case 2: {
        pb_workers_spec w;
        if (pb__cli_parse_workers(text, &w, &err) == 0) {
            unsigned out[256];
            unsigned pus = 1 + (unsigned)(size % 256), n = pb__cli_resolve_workers(&w, pus, size * 7, out, 256);
            for (unsigned i = 0; i < n; i++)
                must(out[i] >= 1 && (i == 0 || out[i] > out[i - 1]), "worker counts not ascending", text);
        }
        break;
    }
    case 3: {
        pb_ipc_set ipc;
        pb__cli_parse_ipc(text, &ipc, &err);
        break;
    }
    case 4: {
        unsigned v;
        if (pb__cli_parse_count("--reps", text, 1, 1000000, &v, &err) == 0)
            must(v >= 1 && v <= 1000000, "count out of its range", text);
        break;
    }
    case 5: {
        int64_t ns;
        if (pb__cli_parse_seconds("--task-timeout", text, 3600, &ns, &err) == 0)
            must(ns > 0 && ns <= 3600LL * 1000000000, "seconds out of range", text);
        break;
    }
    case 6: {
        uint64_t chunk;
        pb__cli_parse_chunk(text, &chunk, &err);
        break;
    }
    case 7: {
        uint64_t v;
        pb_parse_u64(text, &v);
        break;
    }
    case 8: {
        pb_pin_policy a, b;
        if (pb_pin_parse(text, &a, &err) == 0) {
            char again[4096];
            pb_pin_format(&a, again, sizeof again);
            must(pb_pin_parse(again, &b, &err) == 0, "its own pin formatting was refused", again);
            char third[4096];
            pb_pin_format(&b, third, sizeof third);
            must(strcmp(again, third) == 0, "pin formatting is not stable", text);
        }
        break;
    }
    }
    free(text);
    return 0;
}
