/* Parsing of run options: workloads, backends, worker lists, counts. */
#include "check.h"
#include "cli/cli.h"
#include "parbench/registry.h"

int main(void)
{
    pb_error err;
    pb_workload_spec ws;
    CHECK(pb__cli_parse_workload("counter", &ws, &err) == 0);
    CHECK(ws.workload == &pb_workload_counter);
    CHECK(pb_param(&ws.params, "n") == 100000000);
    CHECK(pb__cli_parse_workload("counter:n=10^7,tasks=4", &ws, &err) == 0);
    CHECK(pb_param(&ws.params, "n") == 10000000 && pb_param(&ws.params, "tasks") == 4);
    CHECK(pb__cli_parse_workload("map:len=10,sleep_ms=200", &ws, &err) == 0);
    CHECK(ws.workload->count_tasks(&ws.params) == 10);
    CHECK(pb__cli_parse_workload("map:len=1e6", &ws, &err) == 0);
    CHECK(ws.workload->count_tasks(&ws.params) == 256);
    CHECK(pb__cli_parse_workload("square-cube:", &ws, &err) == 0);

    CHECK(pb__cli_parse_workload("nope", &ws, &err) == PB_E_ARG);
    CHECK(strstr(err.msg, "--workload") && strstr(err.msg, "'nope'") && strstr(err.msg, "square-cube"));
    CHECK(pb__cli_parse_workload("", &ws, &err) == PB_E_ARG);
    CHECK(pb__cli_parse_workload(":n=1", &ws, &err) == PB_E_ARG);
    CHECK(pb__cli_parse_workload("counter:x=1", &ws, &err) == PB_E_ARG);
    CHECK(strstr(err.msg, "--workload counter: unknown parameter 'x'"));
    CHECK(pb__cli_parse_workload("counter:n=1e20", &ws, &err) == PB_E_RANGE);
    CHECK(pb__cli_parse_workload("counter:n=2^63,tasks=2", &ws, &err) == PB_E_RANGE);
    CHECK(strstr(err.msg, "64 bits"));
    CHECK(pb__cli_parse_workload("counter:tasks=0", &ws, &err) == PB_E_RANGE);
    CHECK(pb__cli_parse_workload("sleep-square:min_ms=10,max_ms=5", &ws, &err) == PB_E_RANGE);
    CHECK(strstr(err.msg, "min_ms"));
    CHECK(pb__cli_parse_workload("map:len=4,tasks=5", &ws, &err) == PB_E_RANGE);
    CHECK(pb__cli_parse_workload("map:fn=cube", &ws, &err) == PB_E_ARG);
    CHECK(pb__cli_parse_workload("map:len=1e9", &ws, &err) == PB_E_RANGE);

    pb_backend_set bs;
    /* all: every backend that runs here but those named on their own (mpi: it starts a launcher) */
    unsigned runnable = 0;
    for (size_t i = 0; pb_backends[i]; i++)
        runnable += !*pb_backend_unavailable(pb_backends[i]) && !pb_backends[i]->opt_in;
    CHECK(runnable >= 5u);   /* serial, pthread, fork and the two pools always run here */
    CHECK(pb__cli_parse_backends("all", &bs, &err) == 0);
    CHECK(bs.count == runnable && bs.backend[0] == &pb_backend_serial && bs.backend[2] == &pb_backend_fork &&
          bs.backend[4] == &pb_backend_process_pool);
    CHECK(*pb_backend_unavailable(&pb_backend_openmp) || bs.backend[5] == &pb_backend_openmp);
    if (*pb_backend_unavailable(&pb_backend_openmp)) {   /* named: refused with the reason */
        CHECK(pb__cli_parse_backends("serial,openmp", &bs, &err) == PB_E_UNSUPP);
        CHECK(strstr(err.msg, "--backend openmp") && strstr(err.msg, pb_backend_unavailable(&pb_backend_openmp)));
    } else {
        CHECK(pb__cli_parse_backends("openmp", &bs, &err) == 0 && bs.count == 1);
    }
    CHECK(pb__cli_parse_backends("fork,serial,fork", &bs, &err) == 0);
    CHECK(bs.count == 2 && bs.backend[0] == &pb_backend_fork);
    CHECK(pb__cli_parse_backends("pthread,all", &bs, &err) == 0);
    CHECK(bs.count == runnable && bs.backend[0] == &pb_backend_pthread);
    CHECK(pb__cli_parse_backends("thread-pool,process-pool", &bs, &err) == 0 && bs.count == 2);
    CHECK(pb__cli_parse_backends("threads", &bs, &err) == PB_E_ARG);
    CHECK(strstr(err.msg, "--backend") && strstr(err.msg, "'threads'"));
    CHECK(pb__cli_parse_backends(",", &bs, &err) == PB_E_ARG);

    pb_workers_spec w;
    unsigned out[PB_MAX_WORKERS];
    CHECK(pb__cli_parse_workers("4,1,2,2", &w, &err) == 0);
    CHECK(pb__cli_resolve_workers(&w, 8, 10, out, PB_MAX_WORKERS) == 3);
    CHECK(out[0] == 1 && out[1] == 2 && out[2] == 4);
    CHECK(pb__cli_parse_workers("1-8", &w, &err) == 0);
    CHECK(pb__cli_resolve_workers(&w, 2, 10, out, PB_MAX_WORKERS) == 8 && out[7] == 8);
    CHECK(pb__cli_parse_workers("cores,tasks,1", &w, &err) == 0);
    CHECK(pb__cli_resolve_workers(&w, 2, 10, out, PB_MAX_WORKERS) == 3);
    CHECK(out[0] == 1 && out[1] == 2 && out[2] == 10);
    CHECK(pb__cli_parse_workers("tasks", &w, &err) == 0);
    CHECK(pb__cli_resolve_workers(&w, 2, 100000, out, PB_MAX_WORKERS) == 1 && out[0] == PB_MAX_WORKERS);
    CHECK(pb__cli_parse_workers("1-4096", &w, &err) == 0);
    CHECK(pb__cli_resolve_workers(&w, 2, 1, out, PB_MAX_WORKERS) == 4096);

    CHECK(pb__cli_parse_workers("0", &w, &err) == PB_E_RANGE);
    CHECK(strstr(err.msg, "--workers") && strstr(err.msg, "1 to 4096"));
    CHECK(pb__cli_parse_workers("4097", &w, &err) == PB_E_RANGE);
    CHECK(pb__cli_parse_workers("-1", &w, &err) == PB_E_RANGE);
    CHECK(pb__cli_parse_workers("two", &w, &err) == PB_E_ARG);
    CHECK(pb__cli_parse_workers("8-1", &w, &err) == PB_E_RANGE);
    CHECK(strstr(err.msg, "backwards"));
    CHECK(pb__cli_parse_workers("1-", &w, &err) == PB_E_ARG);
    CHECK(pb__cli_parse_workers("", &w, &err) == PB_E_ARG);
    CHECK(pb__cli_parse_workers("1e9", &w, &err) == PB_E_RANGE);

    pb_ipc_set ipc;
    CHECK(pb__cli_parse_ipc("arena", &ipc, &err) == 0 && ipc == 1u << PB_IPC_ARENA);
    CHECK(pb__cli_parse_ipc("pipe,arena", &ipc, &err) == 0 && ipc == (1u << PB_IPC_ARENA | 1u << PB_IPC_PIPE));
    CHECK(pb__cli_parse_ipc("shm", &ipc, &err) == PB_E_ARG && strstr(err.msg, "--ipc") && strstr(err.msg, "'shm'"));
    CHECK(pb__cli_parse_ipc(",", &ipc, &err) == PB_E_ARG);
    int64_t ns;
    CHECK(pb__cli_parse_seconds("--task-timeout", "2", 86400, &ns, &err) == 0 && ns == 2000000000);
    CHECK(pb__cli_parse_seconds("--task-timeout", "0.25", 86400, &ns, &err) == 0 && ns == 250000000);
    CHECK(pb__cli_parse_seconds("--task-timeout", "0", 86400, &ns, &err) == PB_E_RANGE);
    CHECK(pb__cli_parse_seconds("--task-timeout", "-1", 86400, &ns, &err) == PB_E_RANGE);
    CHECK(pb__cli_parse_seconds("--task-timeout", "1e9", 86400, &ns, &err) == PB_E_RANGE);
    CHECK(pb__cli_parse_seconds("--task-timeout", "nan", 86400, &ns, &err) == PB_E_ARG);
    CHECK(pb__cli_parse_seconds("--task-timeout", "2s", 86400, &ns, &err) == PB_E_ARG);
    CHECK(strstr(err.msg, "--task-timeout"));
    uint64_t chunk;
    CHECK(pb__cli_parse_chunk("auto", &chunk, &err) == 0 && chunk == 0);
    CHECK(pb__cli_parse_chunk("64", &chunk, &err) == 0 && chunk == 64);
    CHECK(pb__cli_parse_chunk("0", &chunk, &err) == PB_E_RANGE && strstr(err.msg, "--chunk"));
    CHECK(pb__cli_parse_chunk("2^41", &chunk, &err) == PB_E_RANGE);
    CHECK(pb__cli_parse_chunk("big", &chunk, &err) == PB_E_ARG);
    /* fault= is accepted by every workload and checked against its tasks */
    CHECK(pb__cli_parse_workload("square-cube:fault=segv@1", &ws, &err) == 0 && ws.params.fault == PB_FAULT_SEGV);
    CHECK(pb__cli_parse_workload("map:len=10,fault=hang@9", &ws, &err) == 0 && ws.params.fault_task == 9);
    CHECK(pb__cli_parse_workload("square-cube:fault=segv@2", &ws, &err) == PB_E_RANGE);
    CHECK(strstr(err.msg, "fault=segv@2 names no task (tasks are 0 to 1)"));
    CHECK(pb__cli_parse_workload("counter:fault=boom@1", &ws, &err) == PB_E_ARG);
    CHECK(pb__cli_parse_workload("counter:fault=segv", &ws, &err) == PB_E_ARG);
    CHECK(strstr(err.msg, "task index"));
    CHECK(pb__cli_parse_workload("counter:fault=segv@x", &ws, &err) == PB_E_ARG);
    CHECK(pb__cli_parse_workload("counter:fault=none", &ws, &err) == 0 && ws.params.fault == PB_FAULT_NONE);

    unsigned v;
    CHECK(pb__cli_parse_count("--reps", "10", 1, 100, &v, &err) == 0 && v == 10);
    CHECK(pb__cli_parse_count("--reps", "0", 1, 100, &v, &err) == PB_E_RANGE);
    CHECK(strstr(err.msg, "--reps"));
    CHECK(pb__cli_parse_count("--reps", "ten", 1, 100, &v, &err) == PB_E_ARG);

    CHECK(pb_find_suite("default") && pb_find_suite("quick") && !pb_find_suite("nope"));
    /* every suite entry parses */
    for (const pb_suite *s = pb_suites; s->name; s++)
        for (const pb_suite_entry *e = s->entries; e->workload; e++) {
            CHECK_MSG(pb__cli_parse_workload(e->workload, &ws, &err) == 0, "%s: %s", s->name, err.msg);
            CHECK_MSG(pb__cli_parse_backends(e->backends, &bs, &err) == 0, "%s: %s", s->name, err.msg);
            CHECK_MSG(pb__cli_parse_workers(e->workers, &w, &err) == 0, "%s: %s", s->name, err.msg);
        }
    return check_report("cli_args");
}
