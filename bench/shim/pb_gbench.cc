// The C shim over Google Benchmark: the only C++ of parbench.
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

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
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

// One row of parbench's tidy CSV.
struct Row {
    std::string name, base, run_type, aggregate, metric, unit;   // base: the name without /real_time etc.
    int64_t repetition = 0, iterations = 0;
    double value = 0;
    std::string error;
    std::string goal;          // derived rows with a goal: "<=1.25"
    int met = -1;              // 1, 0; -1: no goal (written empty)
};

// A derived row as it goes to every output.
struct Derived {
    std::string benchmark, metric, unit, goal;
    double value;
    int met;                   // 1, 0, -1 (shown only)
};

std::string program_name(const char *argv0)
{
    const char *slash = std::strrchr(argv0, '/');
    return slash ? slash + 1 : argv0;
}

// mkdir -p
bool make_folder(const std::string &dir, std::string &why)
{
    for (size_t i = 1; i <= dir.size(); i++) {
        if (i < dir.size() && dir[i] != '/')
            continue;
        std::string part = dir.substr(0, i);
        if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
            why = "cannot create the folder " + part + ": " + std::strerror(errno);
            return false;
        }
    }
    return true;
}

bool exists(const std::string &path)
{
    return access(path.c_str(), F_OK) == 0;
}

BENCHMARK_DISABLE_DEPRECATED_WARNING
std::unique_ptr<benchmark::BenchmarkReporter> reporter_for(const std::string &format)
{
    if (format == "csv")
        return std::unique_ptr<benchmark::BenchmarkReporter>(new benchmark::CSVReporter);
    if (format == "console")
        return std::unique_ptr<benchmark::BenchmarkReporter>(
            new benchmark::ConsoleReporter(benchmark::ConsoleReporter::OO_None));
    return std::unique_ptr<benchmark::BenchmarkReporter>(new benchmark::JSONReporter);
}
BENCHMARK_RESTORE_DEPRECATED_WARNING

// The file reporter: the user's file, parbench's folder and the rows.
class Files : public benchmark::BenchmarkReporter {
public:
    std::string prog, command;
    std::string pb_dir;                 // parbench's folder: --pb_out, or "" for a new one under results/
    bool want_pb_dir = false;
    std::unique_ptr<benchmark::BenchmarkReporter> user;   // --benchmark_out, or null
    void (*after)(void) = nullptr;
    FILE *text = stdout;                // where tables for people go

    std::vector<Row> rows;
    std::vector<Derived> derived;
    std::string derived_text;           // the goal table as printed, for console-format files
    bool ran = false, any_error = false, failed = false, wrote_machine = false;
    std::string why;                    // why `failed`

    bool ReportContext(const Context &context) override
    {
        if (want_pb_dir && !open_pb_dir()) {
            failed = true;
            std::fprintf(stderr, "%s: %s\n", prog.c_str(), why.c_str());
            return false;
        }
        ran = true;
        if (user) {
            user->SetOutputStream(&GetOutputStream());
            user->SetErrorStream(&GetErrorStream());
            user->ReportContext(context);
        }
        if (pb_json)
            pb_json->ReportContext(context);
        return true;
    }

    void ReportRuns(const std::vector<Run> &report) override
    {
        if (user)
            user->ReportRuns(report);
        if (pb_json)
            pb_json->ReportRuns(report);
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

    // Every run is reported: the derived rows now, then each output closed.
    void Finalize() override
    {
        if (!ran)
            return;   // the folder could not be made: nothing ran, nothing to close
        if (after) {
            std::fprintf(text, "\n");
            after();
            summarise_goals();
        }
        finish(user.get());
        finish(pb_json.get());
        if (pb_json_file.is_open())
            pb_json_file.close();
    }

    void add(const Row &base, const std::string &metric, double value, const char *unit)
    {
        Row r = base;
        r.metric = metric;
        r.value = value;
        r.unit = unit;
        rows.push_back(r);
    }

    void say(const char *line)
    {
        std::fputs(line, text);
        derived_text += line;
    }

    int write_csv(std::string &why_not)
    {
        static const char *const header[] = { "benchmark", "run_type", "aggregate", "repetition", "iterations",
                                              "metric", "value", "unit", "error", "goal", "met" };
        std::string path = pb_dir + "/" + prog + ".csv";
        pb_csv_file f;
        pb_error err;
        if (pb_csv_open(&f, path.c_str(), header, sizeof header / sizeof header[0], &err) != 0) {
            why_not = err.msg;
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
            pb_csv_str(&row, r.goal.c_str());
            if (r.met < 0)
                pb_csv_str(&row, "");
            else
                pb_csv_i64(&row, r.met);
            pb_csv_end(&row);
            if (pb_csv_append(&f, &row, &err) != 0) {
                why_not = err.msg;
                pb_csv_close(&f);
                return -1;
            }
        }
        int rc = pb_csv_flush(&f, &err);
        if (rc)
            why_not = err.msg;
        pb_csv_close(&f);
        return rc;
    }

private:
    std::ofstream pb_json_file;
    std::unique_ptr<benchmark::JSONReporter> pb_json;

    bool open_pb_dir()
    {
        if (pb_dir.empty()) {   // a new folder under results/, never one that exists
            char stamp[32], host[64];
            time_t now = time(nullptr);
            strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
            pb_host_name(host, sizeof host);
            std::string base = std::string("results/") + stamp + "-" + host + "-bench";
            if (!make_folder("results", why))
                return false;
            for (int k = 1;; k++) {
                pb_dir = k == 1 ? base : base + "-" + std::to_string(k);
                if (mkdir(pb_dir.c_str(), 0755) == 0)
                    break;
                if (errno != EEXIST || k > 1000) {
                    why = "cannot create the folder " + pb_dir + ": " + std::strerror(errno);
                    return false;
                }
            }
        } else if (!make_folder(pb_dir, why)) {
            why = "--pb_out=" + pb_dir + ": " + why;
            return false;
        }
        if (!exists(pb_dir + "/machine.csv")) {   // a result set parbench made keeps its own
            wrote_machine = true;
            pb_error err;
            if (pb_resultset_write_machine(pb_dir.c_str(), command.c_str(), &err) != 0) {
                why = err.msg;
                return false;
            }
        }
        std::string json = pb_dir + "/" + prog + ".json";
        pb_json_file.open(json);
        if (!pb_json_file.is_open()) {
            why = "cannot write " + json;
            return false;
        }
        pb_json.reset(new benchmark::JSONReporter);
        pb_json->SetOutputStream(&pb_json_file);
        pb_json->SetErrorStream(&pb_json_file);
        return true;
    }

    void summarise_goals()
    {
        int goals = 0, missed = 0;
        std::string list;
        for (const Derived &d : derived) {
            if (d.met < 0)
                continue;
            goals++;
            if (!d.met) {
                missed++;
                char line[512];
                std::snprintf(line, sizeof line, "  NOT MET: %s: %.3f %s, goal %s\n", d.benchmark.c_str(), d.value,
                              d.unit.c_str(), d.goal.c_str());
                list += line;
            }
        }
        if (!goals)
            return;
        char line[160];
        std::snprintf(line, sizeof line, "\n%d goal(s): %d MET, %d NOT MET\n", goals, goals - missed, missed);
        say(line);
        say(list.c_str());
    }

    // The derived rows into one output, then its closing.
    void finish(benchmark::BenchmarkReporter *out)
    {
        if (!out)
            return;
        if (!derived.empty()) {
            if (dynamic_cast<benchmark::JSONReporter *>(out)) {
                std::vector<Run> runs;
                for (size_t i = 0; i < derived.size(); i++)
                    runs.push_back(as_run(derived[i], i));
                out->ReportRuns(runs);
            } else if (dynamic_cast<benchmark::ConsoleReporter *>(out)) {
                out->GetOutputStream() << derived_text;
            }
            // Google Benchmark's CSV reporter takes no row whose counters its
            // first row did not have: the derived rows stay out of CSV files.
        }
        out->Finalize();
    }

    // A derived row as a Google Benchmark entry: no time of its own, its
    // value as a counter named after its metric, the goal as a counter
    // (goal_max for "<=", goal_min for ">=") and `met`, and a label.
    static Run as_run(const Derived &d, size_t i)
    {
        Run r;
        r.run_name.function_name = d.benchmark;
        r.family_index = 1000000 + static_cast<int64_t>(i);   // after every registered family
        r.per_family_instance_index = 0;
        r.repetitions = 1;
        r.repetition_index = 0;
        r.threads = 1;
        r.iterations = 1;
        r.real_accumulated_time = r.cpu_accumulated_time = 0;
        if (!std::isnan(d.value))   // an unresolved goal has no number: JSON has none to write
            r.counters[d.metric] = benchmark::Counter(d.value);
        if (d.met >= 0) {
            double limit = std::strtod(d.goal.c_str() + 2, nullptr);
            r.counters[d.goal[0] == '<' ? "goal_max" : "goal_min"] = benchmark::Counter(limit);
            r.counters["met"] = benchmark::Counter(d.met);
            r.report_label = "derived " + d.metric + ", goal " + d.goal + ": " + (d.met ? "MET" : "NOT MET");
        } else {
            r.report_label = "derived " + d.metric + ", shown";
        }
        return r;
    }
};

Files *current;
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
    std::vector<double> v;
    for (const Row &r : current->rows)
        if (r.run_type == "iteration" && (r.name == benchmark || r.base == benchmark) && r.metric == metric &&
            r.error.empty())
            v.push_back(r.value);
    if (v.empty())
        return NAN;
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int pb_gb_add_result(const char *benchmark, const char *metric, double value, const char *unit, const char *goal)
{
    char line[512];
    if (std::isnan(value) && goal && *goal) {
        /* a goal whose measurement does not tell (an overhead at or below zero, or nothing run): it is not
         * met; listed with the rest, no data row (there is no number to write) */
        std::snprintf(line, sizeof line, "  %-72s unresolved goal %-7s NOT MET\n", benchmark, goal);
        current->say(line);
        current->derived.push_back(Derived{ benchmark, metric, unit ? unit : "", goal, value, 0 });
        return 0;
    }
    if (std::isnan(value)) {
        std::snprintf(line, sizeof line, "  %-72s not measured in this run (filtered out?)\n", benchmark);
        current->say(line);
        return -1;
    }
    Derived d{ benchmark, metric, unit ? unit : "", goal ? goal : "", value, -1 };
    if (!d.goal.empty()) {
        char *end = nullptr;
        double limit = d.goal.size() > 2 ? std::strtod(d.goal.c_str() + 2, &end) : NAN;
        bool at_most = d.goal.compare(0, 2, "<=") == 0, at_least = d.goal.compare(0, 2, ">=") == 0;
        if (!(at_most || at_least) || !end || *end || std::isnan(limit)) {
            std::fprintf(stderr, "%s: pb_gb_add_result: goal \"%s\" is neither \"<=X\" nor \">=X\"\n",
                         benchmark, d.goal.c_str());
            current->any_error = true;
            return -1;
        }
        d.met = at_most ? value <= limit : value >= limit;
    }
    if (d.met < 0)
        std::snprintf(line, sizeof line, "  %-72s %8.3f %-2s  (shown)\n", benchmark, value, d.unit.c_str());
    else
        std::snprintf(line, sizeof line, "  %-72s %8.3f %-2s  goal %-7s %s\n", benchmark, value, d.unit.c_str(),
                      d.goal.c_str(), d.met ? "MET" : "NOT MET");
    current->say(line);
    current->derived.push_back(d);
    Row r;
    r.name = r.base = benchmark;
    r.run_type = "derived";
    r.goal = d.goal;
    r.met = d.met;
    current->add(r, metric, value, d.unit.c_str());
    return d.met;
}

FILE *pb_gb_text(void)
{
    return current ? current->text : stdout;
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

    // values Google Benchmark refuses by printing its help and exiting 0: refused here, exit 2
    std::string time_unit = flag_value(args, "benchmark_time_unit", "");
    const char *bad = !format_ok(format) ? "format" : !format_ok(out_format) ? "out_format" : nullptr;
    if (bad) {
        std::fprintf(stderr, "%s: --benchmark_%s=%s: the format is console, json or csv\n", prog.c_str(), bad,
                     (bad[0] == 'f' ? format : out_format).c_str());
        return 2;
    }
    if (!time_unit.empty() && time_unit != "ns" && time_unit != "us" && time_unit != "ms" && time_unit != "s") {
        std::fprintf(stderr, "%s: --benchmark_time_unit=%s: the unit is ns, us, ms or s\n", prog.c_str(),
                     time_unit.c_str());
        return 2;
    }
    if (flag_value(args, "benchmark_color", "auto").empty()) {
        std::fprintf(stderr, "%s: --benchmark_color= needs a value: auto, true or false\n", prog.c_str());
        return 2;
    }

    help_prog = prog;
    benchmark::Initialize(&n, gb_args.data(), print_help);   // --help: printed, exit 0, nothing written
    if (benchmark::ReportUnrecognizedArguments(n, gb_args.data()))
        return 2;
    if (pb_out_given) {   // never overwrite: a new folder, or a result set without this program's files
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
            return 2;
        }
    }

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

}  // extern "C"
