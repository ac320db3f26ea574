/*
 * Validation (tier 2): the gateway's trunk group as an M/M/N/N loss system. Poisson SIP call
 * arrivals (a caller node with many UAs, exponential inter-arrival times), a PSTN that answers
 * at once (ring and answer delays 0), exponential holding times: the fraction of calls refused
 * with 503 must match Erlang B for the offered load A = lambda * mean holding time.
 *
 * The blocking fraction is estimated per call in arrival order after a warm-up, with a 95 %
 * confidence interval by batch means; Erlang B must lie inside it and the interval must be
 * narrow enough to mean something. The long table of docs/validation.md comes from
 * GatewayErlang.LongTable, skipped unless SIPSIM_LONG_TESTS=1.
 */
#include "integration/transport/transport-test-support.h"
#include "node/sip-endpoint.h"
#include "node/sip-gateway-helper.h"
#include "node/sip-gateway.h"
#include "stats/confidence.h"
#include "stats/queueing.h"
#include "ua/user-agent.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#ifndef SIPSIM_SOURCE_DIR
#define SIPSIM_SOURCE_DIR "."
#endif

namespace sipsim::test {
namespace {

using ns3::Seconds;
using ns3::Simulator;
using ns3::Time;

/**
 * Poisson call arrivals from a pool of UAs on one host: each arrival takes a free UA and calls
 * a number on the gateway; the UA is free again when the call fails or ends. Records, per
 * call in arrival order, 1 when the call was refused with `blockedStatus`, else 0.
 */
class PoissonCaller : public UaListener
{
  public:
    PoissonCaller(UaHost& host, size_t uaCount, double rate, uint64_t calls, int64_t stream,
                  std::string target, uint16_t blockedStatus)
        : m_calls(calls)
        , m_target(std::move(target))
        , m_blockedStatus(blockedStatus)
    {
        for (size_t i = 0; i < uaCount; ++i)
        {
            UaConfig config;
            config.aor = "sip:caller" + std::to_string(i) + "@10.1.1.1";
            UserAgent* ua = host.AddUserAgent(config, this);
            m_free.push_back(ua);
        }
        m_interArrival = ns3::CreateObject<ns3::ExponentialRandomVariable>();
        m_interArrival->SetAttribute("Mean", ns3::DoubleValue(1.0 / rate));
        m_interArrival->SetStream(stream);
        outcome.reserve(calls);
    }

    void Start() { ScheduleNext(); }

    /// Per call in arrival order: 1 refused with blockedStatus, 0 otherwise, -1 pending.
    std::vector<int8_t> outcome;
    uint64_t noFreeUa = 0;
    uint64_t otherFailures = 0;

  private:
    static uint64_t Key(const UserAgent* ua, CallHandle call)
    {
        return (reinterpret_cast<uintptr_t>(ua) << 20) ^ call.value;
    }

    void ScheduleNext()
    {
        if (outcome.size() >= m_calls)
        {
            return;
        }
        Simulator::Schedule(Seconds(m_interArrival->GetValue()), &PoissonCaller::Arrive, this);
    }

    void Arrive()
    {
        const size_t index = outcome.size();
        outcome.push_back(-1);
        if (m_free.empty())
        {
            ++noFreeUa;
            outcome[index] = 0;
        }
        else
        {
            UserAgent* ua = m_free.back();
            m_free.pop_back();
            const CallHandle call = ua->MakeCall(m_target, Offer());
            m_pending[Key(ua, call)] = index;
        }
        ScheduleNext();
    }

    void Done(UserAgent& ua, CallHandle call, int8_t result)
    {
        auto it = m_pending.find(Key(&ua, call));
        if (it == m_pending.end())
        {
            return;
        }
        if (outcome[it->second] < 0)
        {
            outcome[it->second] = result;
        }
        m_pending.erase(it);
        m_free.push_back(&ua);
    }

    void OnCallAnswered(UserAgent& ua, CallHandle call) override
    {
        auto it = m_pending.find(Key(&ua, call));
        if (it != m_pending.end())
        {
            outcome[it->second] = 0;
        }
    }

    void OnCallFailed(UserAgent& ua, CallHandle call, uint16_t status, std::string_view) override
    {
        if (status != m_blockedStatus)
        {
            ++otherFailures;
        }
        Done(ua, call, status == m_blockedStatus ? 1 : 0);
    }

    void OnCallEnded(UserAgent& ua, CallHandle call, bool) override { Done(ua, call, 0); }

    static std::string Offer()
    {
        return "v=0\r\no=- 1 1 IN IP4 10.1.1.1\r\ns=-\r\nc=IN IP4 10.1.1.1\r\nt=0 0\r\n"
               "m=audio 49170 RTP/AVP 0\r\n";
    }

    uint64_t m_calls;
    std::string m_target;
    uint16_t m_blockedStatus;
    ns3::Ptr<ns3::ExponentialRandomVariable> m_interArrival;
    std::vector<UserAgent*> m_free;
    std::unordered_map<uint64_t, size_t> m_pending;
};

/// One run of the loss system and what it measured.
struct ErlangRun
{
    unsigned channels = 0;
    double offered = 0.0; ///< A, erlangs
    uint64_t calls = 0;   ///< arrivals, warm-up included
    uint64_t warmup = 0;
    uint64_t attempts = 0; ///< after the warm-up
    uint64_t blocked = 0;  ///< after the warm-up
    uint64_t refusedByGateway = 0;
    uint64_t otherFailures = 0;
    uint64_t noFreeUa = 0;
    uint32_t busyAtEnd = 0;
    stats::ConfidenceInterval ci;
    double erlangB = 0.0;
    double seconds = 0.0; ///< wall-clock time of the run
};

/**
 * Runs `calls` Poisson arrivals at rate A / meanHolding on a gateway with `channels` trunks
 * (PSTN answers at once, exponential holding with meanHolding seconds), caller and gateway on
 * a 100 Mb/s, 1 ms link. Leaves the simulator destroyed and ns-3's globals reset.
 */
ErlangRun
RunErlang(unsigned channels, double offered, uint64_t calls, uint64_t warmup, size_t batches,
          uint32_t seed, double meanHolding = 100.0)
{
    const auto wallStart = std::chrono::steady_clock::now();
    ns3::Config::Reset();
    ns3::Ipv4AddressGenerator::Reset();
    ns3::RngSeedManager::SetSeed(seed);
    ns3::RngSeedManager::SetRun(1);

    ErlangRun r;
    r.channels = channels;
    r.offered = offered;
    r.calls = calls;
    r.warmup = warmup;
    {
        Line line(2, "100Mbps", "1ms");
        SipStackHelper stacks;
        stacks.Install(line.nodes.Get(0));
        stacks.Install(line.nodes.Get(1));
        SipGatewayHelper helper;
        helper.SetAttribute("Aor", ns3::StringValue("sip:gw@10.1.1.2"));
        helper.SetAttribute(
            "Profile", ns3::StringValue(SIPSIM_SOURCE_DIR "/profiles/cpe-sip-gateway.textproto"));
        helper.SetAttribute("Channels", ns3::UintegerValue(channels));
        helper.SetAttribute("PstnRingDelay",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=0]"));
        helper.SetAttribute("PstnAnswerDelay",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=0]"));
        helper.SetAttribute("HoldingTime", ns3::StringValue("ns3::ExponentialRandomVariable[Mean="
                                                            + std::to_string(meanHolding) + "]"));
        ns3::ApplicationContainer apps = helper.Install(line.nodes.Get(1));
        ns3::Ptr<SipGateway> gw = ns3::DynamicCast<SipGateway>(apps.Get(0));
        gw->AssignStreams(10);
        apps.Start(Seconds(0));

        UaHost& host = SipEndpoint::Get(line.nodes.Get(0))->GetHost();
        PoissonCaller caller(host, 4 * channels + 32, offered / meanHolding, calls, 1,
                             "sip:5550000@10.1.1.2", 503);
        Simulator::Schedule(Seconds(1), &PoissonCaller::Start, &caller);
        Simulator::Run(); // ends when the last call is over and every timer has fired

        std::vector<double> series;
        for (uint64_t i = warmup; i < caller.outcome.size(); ++i)
        {
            series.push_back(caller.outcome[i] > 0 ? 1.0 : 0.0);
            r.blocked += caller.outcome[i] > 0 ? 1 : 0;
        }
        r.attempts = series.size();
        r.ci = stats::BatchMeansCi95(series, batches);
        r.refusedByGateway = gw->GetCounters().sipCallsRefusedFull;
        r.otherFailures = caller.otherFailures;
        r.noFreeUa = caller.noFreeUa;
        r.busyAtEnd = gw->GetBusyTrunks();
        Simulator::Destroy();
    }
    ns3::Config::Reset();
    ns3::Ipv4AddressGenerator::Reset();
    r.erlangB = stats::ErlangB(offered, channels);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    return r;
}

std::string
Row(const ErlangRun& r)
{
    char line[256];
    std::snprintf(
        line, sizeof line, "| %u | %.0f | %llu | %llu | %.4f | %.4f | [%.4f, %.4f] | %.4f | %s |",
        r.channels, r.offered, static_cast<unsigned long long>(r.attempts),
        static_cast<unsigned long long>(r.blocked), r.erlangB, r.ci.mean, r.ci.low, r.ci.high,
        r.ci.halfWidth, (r.erlangB >= r.ci.low && r.erlangB <= r.ci.high) ? "yes" : "no");
    return line;
}

TEST(GatewayErlang, BlockingMatchesErlangB)
{
    // N = 10 trunks, A = 8 erlangs: Erlang B = 0.1217.
    const ErlangRun r = RunErlang(10, 8.0, 4000, 200, 20, 12345);
    std::printf("| N | A | attempts | blocked | Erlang B | measured | 95%% CI | half-width | "
                "inside |\n%s\n(%.1f s)\n",
                Row(r).c_str(), r.seconds);
    ::testing::Test::RecordProperty("erlangB", std::to_string(r.erlangB));
    ::testing::Test::RecordProperty("measured", std::to_string(r.ci.mean));
    ::testing::Test::RecordProperty("halfWidth", std::to_string(r.ci.halfWidth));

    EXPECT_EQ(r.attempts, 3800u);
    EXPECT_EQ(r.noFreeUa, 0u);
    EXPECT_EQ(r.otherFailures, 0u);
    EXPECT_EQ(r.busyAtEnd, 0u);
    EXPECT_GE(r.refusedByGateway, r.blocked); // the warm-up's refusals are not in r.blocked
    EXPECT_EQ(r.ci.n, 20u);
    EXPECT_LT(r.ci.halfWidth, 0.03);
    EXPECT_GE(r.erlangB, r.ci.low);
    EXPECT_LE(r.erlangB, r.ci.high);
}

TEST(GatewayErlang, LongTable)
{
    const char* env = std::getenv("SIPSIM_LONG_TESTS");
    if (env == nullptr || std::string(env) != "1")
    {
        GTEST_SKIP() << "set SIPSIM_LONG_TESTS=1 for the table of docs/validation.md";
    }
    std::printf("| N | A (erlangs) | attempts | blocked | Erlang B | measured | 95 %% CI | "
                "half-width | Erlang B inside |\n| --- | --- | --- | --- | --- | --- | --- | "
                "--- | --- |\n");
    int outside = 0;
    for (double a : {4.0, 6.0, 8.0, 10.0, 12.0})
    {
        const ErlangRun r = RunErlang(10, a, 50500, 500, 20, 2024);
        std::printf("%s\n", Row(r).c_str());
        std::fflush(stdout);
        EXPECT_EQ(r.noFreeUa, 0u);
        EXPECT_EQ(r.otherFailures, 0u);
        EXPECT_LT(r.ci.halfWidth, 0.02);
        outside += (r.erlangB < r.ci.low || r.erlangB > r.ci.high) ? 1 : 0;
    }
    EXPECT_LE(outside, 1); // a 95 % interval may miss once in five
}

} // namespace
} // namespace sipsim::test
