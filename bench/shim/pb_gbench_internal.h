// What the files of the C shim over Google Benchmark share
// (pb_gbench.cc: registration, the state, the command line and
// pb_gb_main; pb_gbench_files.cc: the file reporter, parbench's folder and
// its CSV; pb_gbench_goals.cc: the derived rows and their goals). C++,
// internal to bench/shim/; the C programs use pb_gbench.h.
#ifndef PB_GBENCH_INTERNAL_H
#define PB_GBENCH_INTERNAL_H

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace pb_gb_shim {

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

// Does the file exist?
bool exists(const std::string &path);
// Google Benchmark's reporter for a --benchmark_out_format: console, csv or json.
std::unique_ptr<benchmark::BenchmarkReporter> reporter_for(const std::string &format);

// The file reporter: the user's file, parbench's folder and the rows
// (pb_gbench_files.cc; the derived rows' part in pb_gbench_goals.cc).
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

    bool ReportContext(const Context &context) override;
    void ReportRuns(const std::vector<Run> &report) override;
    // Every run is reported: the derived rows now, then each output closed.
    void Finalize() override;
    void add(const Row &base, const std::string &metric, double value, const char *unit);
    // A line of the goal table: printed, and kept for console-format files.
    void say(const char *line);
    // parbench's <program>.csv in pb_dir: every row. 0, or -1 with why_not.
    int write_csv(std::string &why_not);

private:
    std::ofstream pb_json_file;
    std::unique_ptr<benchmark::JSONReporter> pb_json;

    // parbench's folder (a new one under results/ when pb_dir is ""), its
    // machine.csv unless it has one, and its JSON reporter.
    bool open_pb_dir();
    // The closing lines: how many goals were met, and those not met.
    void summarise_goals();
    // The derived rows into one output, then its closing.
    void finish(benchmark::BenchmarkReporter *out);
    // A derived row as a Google Benchmark entry: no time of its own, its
    // value as a counter named after its metric, the goal as a counter
    // (goal_max for "<=", goal_min for ">=") and `met`, and a label.
    static Run as_run(const Derived &d, size_t i);
};

extern Files *current;   // the reporter of the run in progress (pb_gb_main)

}  // namespace pb_gb_shim

#endif
