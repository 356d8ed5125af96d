// The C shim over Google Benchmark: the only C++ of parbench.
#include "pb_gbench.h"

#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

extern "C" {
#include "parbench/csv.h"
#include "parbench/machine.h"
#include "parbench/resultset.h"
}

struct pb_gb_state {
    benchmark::State *s;
};

namespace {
class TidyReporter;
TidyReporter *current_reporter;

benchmark::TimeUnit unit_of(pb_gb_unit u)
{
    switch (u) {
    case PB_GB_US: return benchmark::kMicrosecond;
    case PB_GB_MS: return benchmark::kMillisecond;
    case PB_GB_S: return benchmark::kSecond;
    default: return benchmark::kNanosecond;
    }
}

const char *unit_name(benchmark::TimeUnit u)
{
    switch (u) {
    case benchmark::kMicrosecond: return "us";
    case benchmark::kMillisecond: return "ms";
    case benchmark::kSecond: return "s";
    default: return "ns";
    }
}

// The console as usual, and every run kept for parbench's CSV.
class TidyReporter : public benchmark::ConsoleReporter {
public:
    struct Row {
        std::string name, base, run_type, aggregate, metric, unit;   // base: the name without /real_time etc.
        int64_t repetition, iterations;
        double value;
        std::string error;
    };
    std::vector<Row> rows;
    bool any_error = false;

    void ReportRuns(const std::vector<Run> &report) override
    {
        ConsoleReporter::ReportRuns(report);
        for (const Run &r : report) {
            Row base;
            base.name = r.benchmark_name();
            base.base = r.run_name.function_name + (r.run_name.args.empty() ? "" : "/" + r.run_name.args);
            base.run_type = r.run_type == Run::RT_Aggregate ? "aggregate" : "iteration";
            base.aggregate = r.aggregate_name;
            base.repetition = r.repetition_index;
            base.iterations = static_cast<int64_t>(r.iterations);
            base.error = r.error_occurred ? r.error_message : "";
            any_error |= r.error_occurred;
            const char *u = unit_name(r.time_unit);
            add(base, "real_time", r.GetAdjustedRealTime(), u);
            add(base, "cpu_time", r.GetAdjustedCPUTime(), u);
            for (const auto &c : r.counters)
                add(base, c.first, c.second.value, "");
        }
    }

    int write_csv(const std::string &path, std::string &why)
    {
        static const char *const header[] = { "benchmark", "run_type", "aggregate", "repetition", "iterations",
                                              "metric", "value", "unit", "error" };
        pb_csv_file f;
        pb_error err;
        if (pb_csv_open(&f, path.c_str(), header, 9, &err) != 0) {
            why = err.msg;
            return -1;
        }
        for (const Row &r : rows) {
            pb_csv_row row;
            pb_csv_begin(&row);
            pb_csv_str(&row, r.name.c_str());
            pb_csv_str(&row, r.run_type.c_str());
            pb_csv_str(&row, r.aggregate.c_str());
            pb_csv_i64(&row, r.repetition);
            pb_csv_i64(&row, r.iterations);
            pb_csv_str(&row, r.metric.c_str());
            pb_csv_f64(&row, r.value, 9);
            pb_csv_str(&row, r.unit.c_str());
            pb_csv_str(&row, r.error.c_str());
            pb_csv_end(&row);
            if (pb_csv_append(&f, &row, &err) != 0) {
                why = err.msg;
                pb_csv_close(&f);
                return -1;
            }
        }
        int rc = pb_csv_flush(&f, &err);
        if (rc)
            why = err.msg;
        pb_csv_close(&f);
        return rc;
    }

    void add(const Row &base, const std::string &metric, double value, const char *unit)
    {
        Row r = base;
        r.metric = metric;
        r.value = value;
        r.unit = unit;
        rows.push_back(r);
    }
};

std::string program_name(const char *argv0)
{
    const char *slash = std::strrchr(argv0, '/');
    return slash ? slash + 1 : argv0;
}

}  // namespace

extern "C" {

int pb_gb_register(const pb_gb_def *def)
{
    if (!def || !def->name || !def->fn)
        return -1;
    pb_gb_def d = *def;
    benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(
        d.name, [d](benchmark::State &s) {
            pb_gb_state st{ &s };
            d.fn(&st, d.user);
        });
    if (!b)
        return -1;
    for (size_t i = 0; i < d.nargs; i++) {
        if (d.args2 && d.nargs2)
            for (size_t j = 0; j < d.nargs2; j++)
                b->Args({ d.args[i], d.args2[j] });
        else
            b->Arg(d.args[i]);
    }
    if (d.manual_time)
        b->UseManualTime();
    else if (d.real_time)
        b->UseRealTime();
    b->Unit(unit_of(d.unit));
    if (d.min_time > 0)
        b->MinTime(d.min_time);
    if (d.iterations > 0)
        b->Iterations(d.iterations);
    if (d.repetitions > 0)
        b->Repetitions(d.repetitions);
    return 0;
}

double pb_gb_result(const char *benchmark, const char *metric)
{
    double sum = 0;
    int n = 0;
    for (const TidyReporter::Row &r : current_reporter->rows)
        if (r.run_type == "iteration" && (r.name == benchmark || r.base == benchmark) && r.metric == metric &&
            r.error.empty()) {
            sum += r.value;
            n++;
        }
    return n ? sum / n : __builtin_nan("");
}

void pb_gb_add_result(const char *benchmark, const char *metric, double value, const char *unit)
{
    TidyReporter::Row r;
    r.name = benchmark;
    r.run_type = "derived";
    r.repetition = 0;
    r.iterations = 0;
    current_reporter->add(r, metric, value, unit);
    std::printf("%-58s %-22s %12.3f %s\n", benchmark, metric, value, unit);
}

bool pb_gb_keep_running(pb_gb_state *st) { return st->s->KeepRunning(); }
bool pb_gb_keep_running_batch(pb_gb_state *st, int64_t n) { return st->s->KeepRunningBatch(n); }
int64_t pb_gb_range(pb_gb_state *st, size_t i) { return st->s->range(i); }
int64_t pb_gb_iterations(pb_gb_state *st) { return static_cast<int64_t>(st->s->iterations()); }
void pb_gb_pause(pb_gb_state *st) { st->s->PauseTiming(); }
void pb_gb_resume(pb_gb_state *st) { st->s->ResumeTiming(); }
void pb_gb_set_iteration_time(pb_gb_state *st, double seconds) { st->s->SetIterationTime(seconds); }
void pb_gb_items_processed(pb_gb_state *st, int64_t items) { st->s->SetItemsProcessed(items); }
void pb_gb_label(pb_gb_state *st, const char *label) { st->s->SetLabel(label); }
void pb_gb_skip_with_error(pb_gb_state *st, const char *message) { st->s->SkipWithError(message); }
bool pb_gb_error_occurred(pb_gb_state *st) { return st->s->error_occurred(); }

void pb_gb_counter(pb_gb_state *st, const char *name, double value, unsigned flags)
{
    int f = benchmark::Counter::kDefaults;
    if (flags & PB_GB_RATE) f |= benchmark::Counter::kIsRate;
    if (flags & PB_GB_AVG_THREADS) f |= benchmark::Counter::kAvgThreads;
    if (flags & PB_GB_ITERATION_INVARIANT) f |= benchmark::Counter::kIsIterationInvariant;
    if (flags & PB_GB_AVG_ITERATIONS) f |= benchmark::Counter::kAvgIterations;
    if (flags & PB_GB_INVERT) f |= benchmark::Counter::kInvert;
    st->s->counters[name] = benchmark::Counter(value, static_cast<benchmark::Counter::Flags>(f));
}

int pb_gb_main(int argc, char **argv, void (*after)(void))
{
    std::string out_dir, prog = program_name(argv[0]);
    std::vector<char *> args;
    for (int i = 0; i < argc; i++) {
        if (std::strncmp(argv[i], "--pb_out=", 9) == 0)
            out_dir = argv[i] + 9;
        else
            args.push_back(argv[i]);
    }
    bool fresh = out_dir.empty();
    if (fresh) {
        char stamp[32], host[64];
        time_t now = time(nullptr);
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
        pb_host_name(host, sizeof host);
        mkdir("results", 0755);
        out_dir = std::string("results/") + stamp + "-" + host + "-bench";
    }
    if (mkdir(out_dir.c_str(), 0755) != 0 && errno != EEXIST) {
        std::fprintf(stderr, "%s: --pb_out=%s: cannot create the folder: %s\n", prog.c_str(), out_dir.c_str(),
                     std::strerror(errno));
        return 2;
    }
    std::string json = "--benchmark_out=" + out_dir + "/" + prog + ".json";
    std::string format = "--benchmark_out_format=json";
    args.push_back(&json[0]);
    args.push_back(&format[0]);
    int n = static_cast<int>(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data()))
        return 2;

    std::string machine = out_dir + "/machine.csv", command = prog, why;
    if (access(machine.c_str(), F_OK) != 0) {
        pb_error err;
        if (pb_resultset_write_machine(out_dir.c_str(), command.c_str(), &err) != 0)
            std::fprintf(stderr, "%s: %s\n", prog.c_str(), err.msg);
    }
    TidyReporter reporter;
    current_reporter = &reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    if (after) {
        std::printf("\n");
        after();
    }
    benchmark::Shutdown();
    std::string csv = out_dir + "/" + prog + ".csv";
    unlink(csv.c_str());   // a rerun into the same folder replaces this program's own file
    if (reporter.write_csv(csv, why) != 0) {
        std::fprintf(stderr, "%s: %s\n", prog.c_str(), why.c_str());
        return 1;
    }
    std::fprintf(stderr, "%s: wrote %s/%s.json and %s.csv\n", prog.c_str(), out_dir.c_str(), prog.c_str(), prog.c_str());
    return reporter.any_error ? 1 : 0;
}

}  // extern "C"
