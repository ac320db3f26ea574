/*
 * Tier 3: the live statistics of `sipsim run`. The stats CSV (outputs.stats_csv, --stats):
 * one row per sample interval up to the end, the cumulative columns the running sums of the
 * interval columns, the calls placed equal to the trace's call records. The status line on a
 * terminal (a pseudo-terminal from script(1), 60 columns): every redraw fits the width, and
 * the line is redrawn a few times a second of wall time, not once per event.
 */
#include "support/sipsim-command.h"
#include "trace/trace-file.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;

const std::string kSource = SIPSIM_SOURCE_DIR;
const std::string kSipsim = SIPSIM_BINARY;
const std::string kOverload = kSource + "/scenarios/overload-503.textproto";

fs::path
TempPath(const std::string& what)
{
    static int n = 0;
    return fs::temp_directory_path()
           / ("sipsim-live-" + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
}

std::vector<std::vector<std::string>>
ReadCsv(const fs::path& file)
{
    std::vector<std::vector<std::string>> rows;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line))
    {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ','))
        {
            cells.push_back(cell);
        }
        if (!line.empty() && line.back() == ',')
        {
            cells.emplace_back();
        }
        rows.push_back(cells);
    }
    return rows;
}

size_t
Column(const std::vector<std::string>& header, const std::string& name)
{
    for (size_t i = 0; i < header.size(); ++i)
    {
        if (header[i] == name)
        {
            return i;
        }
    }
    ADD_FAILURE() << "no column " << name;
    return 0;
}

TEST(StatsCsv, ARowPerIntervalWhoseCumulativeColumnsAddUp)
{
    const fs::path out = TempPath("csv");
    const auto r = sipsim::test::RunCommand(
        kSipsim, "run " + kOverload + " --no-progress --out " + out.string()
                     + " --set outputs.stats_csv=true --set outputs.sample_interval_s=5");
    ASSERT_TRUE(r.exit == 0 || r.exit == 1) << r.output;
    const auto rows = ReadCsv(out / "stats.csv");
    const auto trace = sipsim::trace::ReadTrace((out / "trace.pb").string());
    fs::remove_all(out);
    ASSERT_EQ(rows.size(), 1u + 12u); // header, then 5 s ... 60 s
    const auto& h = rows[0];
    for (const char* name :
         {"time_s", "calls_placed_p", "calls_placed_c", "calls_completed_p", "calls_failed_p",
          "failed_statuses_p", "calls_in_progress", "retransmissions_c", "registrations_c",
          "pdd_p50_s_p", "pdd_p95_s_c", "proxy_queue", "proxy_utilization_p"})
    {
        Column(h, name);
    }
    uint64_t placed = 0;
    uint64_t failed = 0;
    for (size_t i = 1; i < rows.size(); ++i)
    {
        ASSERT_EQ(rows[i].size(), h.size()) << "row " << i;
        EXPECT_EQ(std::stod(rows[i][Column(h, "time_s")]), 5.0 * static_cast<double>(i));
        placed += std::stoull(rows[i][Column(h, "calls_placed_p")]);
        failed += std::stoull(rows[i][Column(h, "calls_failed_p")]);
        EXPECT_EQ(std::stoull(rows[i][Column(h, "calls_placed_c")]), placed) << "row " << i;
        EXPECT_EQ(std::stoull(rows[i][Column(h, "calls_failed_c")]), failed) << "row " << i;
        const double utilization = std::stod(rows[i][Column(h, "proxy_utilization_p")]);
        EXPECT_GE(utilization, 0.0);
        EXPECT_LE(utilization, 1.0 + 1e-9);
    }
    // Every call attempt has one call record; at 3x capacity most fail with 503.
    ASSERT_TRUE(trace.ok) << trace.error;
    uint64_t records = 0;
    for (const auto& record : trace.records)
    {
        records += record.has_call() ? 1 : 0;
    }
    EXPECT_EQ(placed, records);
    EXPECT_NE(rows.back()[Column(h, "failed_statuses_p")].find("503:"), std::string::npos);
}

TEST(StatsCsv, StatsOptionWritesItWhereAsked)
{
    const fs::path out = TempPath("out");
    const fs::path csv = TempPath("file");
    const auto r = sipsim::test::RunCommand(kSipsim, "run " + kOverload + " --no-progress --out "
                                                         + out.string() + " --stats " + csv.string()
                                                         + " --set outputs.sample_interval_s=10");
    EXPECT_TRUE(r.exit == 0 || r.exit == 1) << r.output;
    EXPECT_FALSE(fs::exists(out / "stats.csv"));
    EXPECT_EQ(ReadCsv(csv).size(), 1u + 6u);
    fs::remove_all(out);
    fs::remove(csv);
}

TEST(StatusLine, FitsTheTerminalAndIsRedrawnAFewTimesASecond)
{
    const fs::path out = TempPath("tty");
    const auto start = std::chrono::steady_clock::now();
    // script(1) gives the run a pseudo-terminal of 60 columns; what it draws is on stdout.
    const auto r = sipsim::test::RunCommand(
        "script", "-qfc \"stty cols 60 rows 10; " + kSipsim + " run " + kOverload + " --out "
                      + out.string()
                      + " --set traffic.calls_per_second=300 > /dev/null\" /dev/null");
    const double wall
        = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fs::remove_all(out);
    ASSERT_TRUE(r.exit == 0 || r.exit == 1) << r.output;
    std::vector<std::string> draws;
    std::stringstream ss(r.output);
    std::string piece;
    while (std::getline(ss, piece, '\r'))
    {
        const size_t clear = piece.find("\x1b[K");
        if (clear != std::string::npos)
        {
            draws.push_back(piece.substr(0, clear));
        }
    }
    ASSERT_GE(draws.size(), 2u) << r.output;
    for (const auto& line : draws)
    {
        EXPECT_LE(line.size(), 59u) << line;
        EXPECT_EQ(line.rfind("t ", 0), 0u) << line;
        EXPECT_NE(line.find("calls "), std::string::npos) << line;
    }
    EXPECT_NE(draws.back().find("t 60.0/60s"), std::string::npos) << draws.back();
    // At most four redraws a second, plus the first and the last.
    EXPECT_LE(static_cast<double>(draws.size()), 4.0 * wall + 3.0)
        << draws.size() << " in " << wall << " s";
}

} // namespace
