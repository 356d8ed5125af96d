// The C shim over Google Benchmark: the only C++ of parbench (with
// pb_gbench_files.cc, the file reporter, and pb_gbench_goals.cc, the
// derived rows; pb_gbench_internal.h is what they share).
//
// Reporting: the display (stdout) is Google Benchmark's own reporter, as
// --benchmark_format chooses. Every file is written by one file reporter of
// ours, so that each sees the same runs (Google Benchmark's file selection,
// e.g. --benchmark_report_aggregates_only): the user's --benchmark_out=FILE
// in --benchmark_out_format, and parbench's folder (--pb_out=DIR, or a new
// results/<UTC time>-<host>-bench/ when neither flag names a file) with
// <program>.json, <program>.csv and machine.csv. Google Benchmark hands a
// file reporter to the run only when --benchmark_out names a file: when the
// user names none, ours is given /dev/null there and writes only its folder.
// The derived rows (ratios and their goals) are computed when the last run
// is reported (the file reporter's Finalize), so that they reach the JSON
// files before these are closed.
#include "pb_gbench.h"

#include <benchmark/benchmark.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "pb_gbench_internal.h"

using pb_gb_shim::current;
using pb_gb_shim::exists;
using pb_gb_shim::Files;
using pb_gb_shim::reporter_for;

struct pb_gb_state {
    benchmark::State *s;
};

namespace {

benchmark::TimeUnit unit_of(pb_gb_unit u)
{
    switch (u) {
    case PB_GB_US: return benchmark::kMicrosecond;
    case PB_GB_MS: return benchmark::kMillisecond;
    case PB_GB_S: return benchmark::kSecond;
    default: return benchmark::kNanosecond;
    }
}

std::string program_name(const char *argv0)
{
    const char *slash = std::strrchr(argv0, '/');
    return slash ? slash + 1 : argv0;
}

std::string help_prog;

void print_help()
{
    std::printf(
        "%s: a parbench benchmark program, run by Google Benchmark.\n"
        "\n"
        "parbench's own flag:\n"
        "  --pb_out=DIR   write DIR/%s.json (Google Benchmark's JSON), DIR/%s.csv (parbench's\n"
        "                 tidy CSV: one row per run and metric; the ratios as `derived` rows with\n"
        "                 their `goal` and `met`) and DIR/machine.csv. DIR must be new, or a result\n"
        "                 set (it has machine.csv) that holds no %s.json or %s.csv yet: nothing\n"
        "                 is ever overwritten. Without --pb_out, and without --benchmark_out, they\n"
        "                 go to a new results/<UTC time>-<host>-bench/.\n"
        "\n"
        "Every goal line says MET or NOT MET, and the closing lines list the goals not met.\n"
        "With --benchmark_format=json or csv, stdout holds only that format and the goal\n"
        "tables go to stderr. --benchmark_out=FILE writes FILE as Google Benchmark does\n"
        "(JSON by default, or --benchmark_out_format); the derived rows are in it when it\n"
        "is JSON or console. --benchmark_list_tests and --help write no file.\n"
        "\n"
        "Google Benchmark's flags:\n",
        help_prog.c_str(), help_prog.c_str(), help_prog.c_str(), help_prog.c_str(), help_prog.c_str());
    benchmark::PrintDefaultHelp();
}

// The value of string flag --name=value as Google Benchmark reads it: the
// last one given, else the environment variable BENCHMARK_..., else def.
std::string flag_value(const std::vector<char *> &args, const char *name, const char *def)
{
    std::string prefix = std::string("--") + name + "=";
    const char *v = nullptr;
    for (size_t i = 1; i < args.size(); i++)
        if (std::strncmp(args[i], prefix.c_str(), prefix.size()) == 0)
            v = args[i] + prefix.size();
    if (v)
        return v;
    std::string env;
    for (const char *c = name; *c; c++)
        env += static_cast<char>(std::toupper(static_cast<unsigned char>(*c)));
    const char *e = std::getenv(env.c_str());
    return e ? e : def;
}

bool format_ok(const std::string &f)
{
    return f == "console" || f == "json" || f == "csv";
}

// Values Google Benchmark refuses by printing its help and exiting 0:
// refused here, with a message (true: refused, exit 2).
bool flags_refused(const std::string &prog, const std::vector<char *> &args, const std::string &format,
                   const std::string &out_format)
{
    std::string time_unit = flag_value(args, "benchmark_time_unit", "");
    const char *bad = !format_ok(format) ? "format" : !format_ok(out_format) ? "out_format" : nullptr;
    if (bad) {
        std::fprintf(stderr, "%s: --benchmark_%s=%s: the format is console, json or csv\n", prog.c_str(), bad,
                     (bad[0] == 'f' ? format : out_format).c_str());
        return true;
    }
    if (!time_unit.empty() && time_unit != "ns" && time_unit != "us" && time_unit != "ms" && time_unit != "s") {
        std::fprintf(stderr, "%s: --benchmark_time_unit=%s: the unit is ns, us, ms or s\n", prog.c_str(),
                     time_unit.c_str());
        return true;
    }
    if (flag_value(args, "benchmark_color", "auto").empty()) {
        std::fprintf(stderr, "%s: --benchmark_color= needs a value: auto, true or false\n", prog.c_str());
        return true;
    }
    return false;
}

// --pb_out=DIR never overwrites: a new folder, or a result set without
// this program's files (true: refused, with a message; exit 2).
bool pb_out_refused(const std::string &prog, const std::string &pb_out)
{
    struct stat st;
    std::string why;
    if (stat(pb_out.c_str(), &st) == 0) {   // a new folder is made when the first benchmark is about to run
        if (!S_ISDIR(st.st_mode))
            why = "that is not a folder";
        else if (exists(pb_out + "/" + prog + ".json") || exists(pb_out + "/" + prog + ".csv"))
            why = "that folder already holds " + prog + "'s results (nothing is overwritten)";
        else if (!exists(pb_out + "/machine.csv"))
            why = "that folder exists and is not a result set (it has no machine.csv)";
    }
    if (!why.empty()) {
        std::fprintf(stderr, "%s: --pb_out=%s: %s; name a new folder, or a result set without %s.json and %s.csv\n",
                     prog.c_str(), pb_out.c_str(), why.c_str(), prog.c_str(), prog.c_str());
        return true;
    }
    return false;
}

// The runs are over (`matched` benchmarks matched the filter): parbench's
// CSV written; the exit status.
int after_runs(Files &files, size_t matched, const std::string &prog)
{
    if (files.failed)
        return 1;
    if (matched == 0) {   // Google Benchmark said which filter matched nothing
        std::fprintf(stderr, "%s: --benchmark_filter matches no benchmark (--benchmark_list_tests lists them)\n",
                     prog.c_str());
        return 2;
    }
    if (!files.ran)
        return 0;   // --benchmark_list_tests
    if (files.want_pb_dir) {
        std::string why;
        if (files.write_csv(why) != 0) {
            std::fprintf(stderr, "%s: %s\n", prog.c_str(), why.c_str());
            return 1;
        }
        std::fprintf(stderr, "%s: wrote %s/%s.json and %s.csv%s\n", prog.c_str(), files.pb_dir.c_str(),
                     prog.c_str(), prog.c_str(), files.wrote_machine ? " and machine.csv" : "");
    }
    return files.any_error ? 1 : 0;
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
    std::string prog = program_name(argv[0]), pb_out, command;
    bool pb_out_given = false;
    std::vector<char *> args;
    for (int i = 0; i < argc; i++) {
        command += (i ? " " : "") + std::string(argv[i]);
        if (i > 0 && std::strncmp(argv[i], "--pb_out", 8) == 0 && (argv[i][8] == '=' || argv[i][8] == '\0')) {
            if (argv[i][8] != '=' || !argv[i][9]) {
                std::fprintf(stderr, "%s: --pb_out needs a folder: --pb_out=DIR\n", prog.c_str());
                return 2;
            }
            pb_out = argv[i] + 9;
            pb_out_given = true;
        } else {
            args.push_back(argv[i]);
        }
    }
    // what Google Benchmark will read for the file flags, before they are replaced by ours
    std::string user_out = flag_value(args, "benchmark_out", "");
    std::string out_format = flag_value(args, "benchmark_out_format", "json");
    std::string format = flag_value(args, "benchmark_format", "console");
    std::vector<char *> gb_args;
    for (char *a : args)
        if (std::strncmp(a, "--benchmark_out=", 16) != 0 && std::strncmp(a, "--benchmark_out_format=", 23) != 0)
            gb_args.push_back(a);
    std::string out_flag = "--benchmark_out=" + (user_out.empty() ? std::string("/dev/null") : user_out);
    gb_args.push_back(&out_flag[0]);
    int n = static_cast<int>(gb_args.size());
    gb_args.push_back(nullptr);

    if (flags_refused(prog, args, format, out_format))
        return 2;

    help_prog = prog;
    benchmark::Initialize(&n, gb_args.data(), print_help);   // --help: printed, exit 0, nothing written
    if (benchmark::ReportUnrecognizedArguments(n, gb_args.data()))
        return 2;
    if (pb_out_given && pb_out_refused(prog, pb_out))   // never overwrite
        return 2;

    benchmark::BenchmarkReporter *display = benchmark::CreateDefaultDisplayReporter();
    Files files;
    files.prog = prog;
    files.command = command;
    files.pb_dir = pb_out;
    files.want_pb_dir = pb_out_given || user_out.empty();
    if (!user_out.empty())
        files.user = reporter_for(out_format);
    files.after = after;
    files.text = dynamic_cast<benchmark::ConsoleReporter *>(display) ? stdout : stderr;
    current = &files;
    size_t matched = benchmark::RunSpecifiedBenchmarks(display, &files);
    benchmark::Shutdown();
    std::fflush(stdout);
    return after_runs(files, matched, prog);
}

}  // extern "C"
