/*
 * Parse and serialize throughput of sipsim's message layer against GNU oSIP, on the same bytes
 * in the same process: a typical INVITE with SDP, a 200 OK, a REGISTER with Authorization and
 * the valid RFC 4475 torture messages. sipsim allocations per message are counted by replacing
 * operator new (oSIP allocates with malloc and is not counted).
 *
 *   build/bench/sipsim-parse-bench --benchmark_out=out.json --benchmark_out_format=json
 *   python3 bench/compare.py out.json        # ratios sipsim / oSIP per message
 */
#include "message/sip-parser.h"
#include "support/allocation-counter.h"

#include <atomic>
#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdarg>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

extern "C"
{
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>
}

namespace {

struct Sample
{
    std::string name;
    std::string bytes;
};

std::string
Read(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        std::exit(2);
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<Sample>
Samples()
{
    std::vector<Sample> out;
    for (const char* f : {"invite-sdp", "ok-200", "register-auth"})
    {
        out.push_back({f, Read(std::string(SIPSIM_BENCH_DATA) + "/" + f + ".sip")});
    }
    // RFC 4475 section 3.1.1: the valid torture messages.
    for (const char* f : {"wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq",
                          "dblreq", "semiuri", "transports", "mpart01", "unreason", "noreason"})
    {
        out.push_back({std::string("rfc4475-") + f,
                       Read(std::string(SIPSIM_TEST_DATA) + "/rfc4475/" + f + ".dat")});
    }
    return out;
}

void
SipsimParse(benchmark::State& state, const std::string& bytes)
{
    const size_t allocsBefore = sipsim::test::AllocationCount();
    for (auto _ : state)
    {
        sipsim::ParseResult r = sipsim::Parse(bytes);
        benchmark::DoNotOptimize(r);
        if (!r.Ok())
        {
            state.SkipWithError(r.GetError().what.c_str());
            break;
        }
    }
    const double allocs = static_cast<double>(sipsim::test::AllocationCount() - allocsBefore);
    state.counters["allocs_per_msg"]
        = benchmark::Counter(allocs / static_cast<double>(state.iterations()));
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}

void
OsipParse(benchmark::State& state, const std::string& bytes)
{
    bool ok = true;
    for (auto _ : state)
    {
        osip_message_t* msg = nullptr;
        osip_message_init(&msg);
        ok = osip_message_parse(msg, bytes.data(), bytes.size()) == 0;
        benchmark::DoNotOptimize(msg);
        osip_message_free(msg);
    }
    state.SetLabel(ok ? "parsed" : "rejected by oSIP");
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}

/**
 * Both parsers on the same bytes, interleaved in batches within one benchmark, so that load
 * from elsewhere on a shared machine hits both alike: the ratio counter is what to report.
 */
void
ParseRatio(benchmark::State& state, const std::string& bytes)
{
    using Clock = std::chrono::steady_clock;
    constexpr int kBatch = 32;
    Clock::duration sipsimTime{};
    Clock::duration osipTime{};
    bool osipOk = true;
    for (auto _ : state)
    {
        const auto t0 = Clock::now();
        for (int i = 0; i < kBatch; ++i)
        {
            sipsim::ParseResult r = sipsim::Parse(bytes);
            benchmark::DoNotOptimize(r);
        }
        const auto t1 = Clock::now();
        for (int i = 0; i < kBatch; ++i)
        {
            osip_message_t* msg = nullptr;
            osip_message_init(&msg);
            osipOk = osip_message_parse(msg, bytes.data(), bytes.size()) == 0;
            benchmark::DoNotOptimize(msg);
            osip_message_free(msg);
        }
        const auto t2 = Clock::now();
        sipsimTime += t1 - t0;
        osipTime += t2 - t1;
    }
    const double n = static_cast<double>(state.iterations()) * kBatch;
    const double sipsimSeconds = std::chrono::duration<double>(sipsimTime).count();
    const double osipSeconds = std::chrono::duration<double>(osipTime).count();
    state.counters["sipsim_per_s"] = benchmark::Counter(n / sipsimSeconds);
    state.counters["osip_per_s"] = benchmark::Counter(n / osipSeconds);
    state.counters["ratio"] = benchmark::Counter(osipSeconds / sipsimSeconds);
    state.SetLabel(osipOk ? "parsed" : "rejected by oSIP");
}

void
SipsimSerialize(benchmark::State& state, const std::string& bytes)
{
    const sipsim::ParseResult r = sipsim::Parse(bytes);
    if (!r.Ok())
    {
        state.SkipWithError(r.GetError().what.c_str());
        return;
    }
    std::string out;
    for (auto _ : state)
    {
        out.clear();
        r.GetMessage().SerializeTo(&out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}

void
OsipSerialize(benchmark::State& state, const std::string& bytes)
{
    osip_message_t* msg = nullptr;
    osip_message_init(&msg);
    if (osip_message_parse(msg, bytes.data(), bytes.size()) != 0)
    {
        osip_message_free(msg);
        state.SkipWithError("rejected by oSIP");
        return;
    }
    for (auto _ : state)
    {
        char* text = nullptr;
        size_t length = 0;
        // oSIP caches the text of an unmodified message; force a fresh serialization.
        osip_message_force_update(msg);
        osip_message_to_str(msg, &text, &length);
        benchmark::DoNotOptimize(text);
        osip_free(text);
    }
    osip_message_free(msg);
    state.SetItemsProcessed(state.iterations());
}

void
DiscardOsipTrace(const char*, int, osip_trace_level_t, const char*, va_list)
{}

} // namespace

int
main(int argc, char** argv)
{
    parser_init();
    // oSIP logs parse errors to stdout by default; keep the benchmark output clean.
    osip_trace_initialize_func(END_TRACE_LEVEL, &DiscardOsipTrace);
    for (int level = 0; level < END_TRACE_LEVEL; ++level)
    {
        osip_trace_disable_level(static_cast<osip_trace_level_t>(level));
    }
    static const std::vector<Sample> samples = Samples();
    for (const Sample& s : samples)
    {
        benchmark::RegisterBenchmark(("parse/sipsim/" + s.name).c_str(), SipsimParse, s.bytes);
        benchmark::RegisterBenchmark(("parse/osip/" + s.name).c_str(), OsipParse, s.bytes);
        benchmark::RegisterBenchmark(("parse/ratio/" + s.name).c_str(), ParseRatio, s.bytes);
        benchmark::RegisterBenchmark(("serialize/sipsim/" + s.name).c_str(), SipsimSerialize,
                                     s.bytes);
        benchmark::RegisterBenchmark(("serialize/osip/" + s.name).c_str(), OsipSerialize, s.bytes);
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
    {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
