/*
 * Tier 3: scenario fields that did nothing, or did the wrong thing, now change what a run shows.
 * Each test names the field, runs `sipsim run` on a small scenario with and without it (or with
 * two values), and compares the summaries.
 */
#include "support/sipsim-command.h"
#include "trace/trace-file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

const std::string kSource = SIPSIM_SOURCE_DIR;
const std::string kSipsim = SIPSIM_BINARY;

/// Calls and messages of a run's printed summary.
struct Calls
{
    int exit = -1;
    long attempted = -1;
    long completed = -1;
    long upAtEnd = -1;
    long gatewaySent = -1; ///< messages sent by node "gw" (stack counters)
    std::string output;
};

Calls
RunSipsim(const std::string& scenario, const std::string& sets)
{
    static int n = 0;
    const fs::path out
        = fs::temp_directory_path()
          / ("sipsim-fields-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    fs::remove_all(out);
    const auto result = sipsim::test::RunCommand(
        kSipsim, "run " + scenario + " --no-progress --out " + out.string() + " " + sets);
    Calls c;
    c.exit = result.exit;
    c.output = result.output;
    std::smatch m;
    if (std::regex_search(c.output, m,
                          std::regex("attempted (\\d+), completed (\\d+), failed \\d+, blocked "
                                     "\\d+, still up at the end (\\d+)")))
    {
        c.attempted = std::stol(m[1]);
        c.completed = std::stol(m[2]);
        c.upAtEnd = std::stol(m[3]);
    }
    if (std::regex_search(c.output, m, std::regex("\\n  gw +(\\d+) /")))
    {
        c.gatewaySent = std::stol(m[1]);
    }
    fs::remove_all(out);
    return c;
}

/**
 * The SIP message records of a run of a shipped scenario (scenarios/NAME, with
 * outputs.messages on and the `--set`s given); the run must exit 0.
 */
std::vector<sipsim::trace::Message>
MessagesOf(const std::string& scenario, const std::string& sets)
{
    static int n = 0;
    const fs::path out
        = fs::temp_directory_path()
          / ("sipsim-messages-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    fs::remove_all(out);
    const auto r = sipsim::test::RunCommand(kSipsim, "run " + kSource + "/scenarios/" + scenario
                                                         + " --no-progress --out " + out.string()
                                                         + " --set outputs.messages=true " + sets);
    EXPECT_EQ(r.exit, 0) << r.output;
    const auto contents = sipsim::trace::ReadTrace(out.string() + "/trace.pb");
    EXPECT_TRUE(contents.ok) << contents.error;
    std::vector<sipsim::trace::Message> messages;
    for (const auto& record : contents.records)
    {
        if (record.has_message())
        {
            messages.push_back(record.message());
        }
    }
    fs::remove_all(out);
    return messages;
}

/// A small scenario: callers and callees behind one proxy, a gateway, no offered calls.
std::string
SmallScenario()
{
    // One file per process: ctest runs the tests of this binary in parallel processes.
    const fs::path file = fs::temp_directory_path()
                          / ("sipsim-fields-" + std::to_string(::getpid()) + ".textproto");
    std::ofstream(file) << R"(name: "fields"
duration_s: 60
topology {
  nodes { name: "callers" role: PHONES domain: "a.example" }
  nodes { name: "proxy" role: PROXY domain: "a.example" }
  nodes { name: "callees" role: PHONES domain: "a.example" }
  nodes { name: "gw" role: GATEWAY domain: "a.example" }
  links { a: "callers" b: "proxy" delay: "1ms" }
  links { a: "callees" b: "proxy" delay: "1ms" }
  links { a: "gw" b: "proxy" delay: "1ms" }
}
groups { node: "callers" phones { count: 20 user_prefix: "c" register: true } }
groups { node: "callees" phones { count: 20 user_prefix: "d" register: true } }
groups { node: "proxy" proxy { } }
groups { node: "gw" gateway { channels: 10 number_prefix: "+49" pstn_answer_probability: 1 } }
traffic {
  caller_groups: "callers"
  callees { mode: GROUP group: "callees" }
  holding { constant: 1000 }
  start_s: 1
}
)";
    return file.string();
}

// groups[i].gateway.pstn_call_rate: calls from the PSTN reach the domain's phones.
TEST(ScenarioField, GatewayPstnCallRatePlacesCalls)
{
    const std::string s = SmallScenario();
    const Calls without = RunSipsim(s, "");
    const Calls with = RunSipsim(s, "--set groups[3].gateway.pstn_call_rate=0.5 "
                                    "--set groups[3].gateway.pstn_holding.constant=5");
    ASSERT_EQ(without.exit, 0) << without.output;
    ASSERT_EQ(with.exit, 0) << with.output;
    EXPECT_EQ(without.gatewaySent, 0) << without.output;
    // About 30 calls in 60 s, each an INVITE, an ACK and a BYE at least.
    EXPECT_GT(with.gatewaySent, 45) << with.output;
}

// groups[i].phones.user.holding: called users hang up after their own holding time.
TEST(ScenarioField, UserHoldingEndsCallsFromTheCalledSide)
{
    const std::string s = SmallScenario();
    const std::string load = "--set traffic.calls_per_second=0.5 ";
    const Calls without = RunSipsim(s, load);
    const Calls with = RunSipsim(s, load + "--set groups[1].phones.user.holding.constant=5");
    ASSERT_EQ(without.exit, 0) << without.output;
    ASSERT_EQ(with.exit, 0) << with.output;
    EXPECT_EQ(without.completed, 0) << "callers hold for 1000 s: " << without.output;
    EXPECT_GT(with.completed, 10) << with.output;
}

// faults[i].link_loss: a rate-0 loss fault ends Gilbert-Elliott bursts on that link.
TEST(ScenarioField, ALaterLossFaultStopsGilbertElliottLoss)
{
    const std::string s = SmallScenario();
    const std::string common
        = "--set traffic.calls_per_second=0.5 --set traffic.holding.constant=2 "
          "--set faults[0].at_s=5 "
          "--set faults[0].link_loss.link=callers-proxy "
          "--set faults[0].link_loss.gilbert_elliott.p_good_to_bad=1 "
          "--set faults[0].link_loss.gilbert_elliott.p_bad_to_good=1 "
          "--set faults[0].link_loss.gilbert_elliott.loss_good=1 "
          "--set faults[0].link_loss.gilbert_elliott.loss_bad=1 --set warmup_s=30 ";
    const Calls lossy = RunSipsim(s, common);
    const Calls stopped = RunSipsim(s, common
                                           + "--set faults[1].at_s=20 "
                                             "--set faults[1].link_loss.link=callers-proxy "
                                             "--set faults[1].link_loss.rate=0");
    ASSERT_EQ(lossy.exit, 0) << lossy.output;
    ASSERT_EQ(stopped.exit, 0) << stopped.output;
    EXPECT_EQ(lossy.completed, 0) << lossy.output;
    // Calls placed from 30 s on (after the warm-up) see a clean link.
    EXPECT_GT(stopped.completed, 5) << stopped.output;
    EXPECT_GE(stopped.completed + stopped.upAtEnd + 1, stopped.attempted) << stopped.output;
}

/// Column k (0 sent, 1 received, 2 retransmissions) of a node's row in the summary's
/// per-node message table; -1 when the node is not listed.
long
MessageColumn(const std::string& output, const std::string& node, int k)
{
    std::smatch m;
    if (std::regex_search(output, m, std::regex("\\n  " + node + " +(\\d+) / +(\\d+) / +(\\d+)")))
    {
        return std::stol(m[k + 1]);
    }
    return -1;
}

/// Messages a node received, from the summary's per-node table; -1 when not listed.
long
Received(const std::string& output, const std::string& node)
{
    return MessageColumn(output, node, 1);
}

/// Retransmissions a node sent, from the summary's per-node table; -1 when not listed.
long
Retransmitted(const std::string& output, const std::string& node)
{
    return MessageColumn(output, node, 2);
}

// groups[i].phones.contact_q with groups[j].proxy.sequential_forking: the same users on two
// nodes, one registered with q 1 and one with q 0.5; the proxy tries the q-1 contacts first,
// they answer, and the q-0.5 phones never ring. Without q-values every contact is in one
// q-group and both ring (RFC 3261 16.6).
TEST(ScenarioField, ContactQMakesSequentialForkingTryTheHighestFirst)
{
    const fs::path file = fs::temp_directory_path()
                          / ("sipsim-forking-" + std::to_string(::getpid()) + ".textproto");
    std::ofstream(file) << R"(name: "forking"
duration_s: 60
topology {
  nodes { name: "callers" role: PHONES domain: "a.example" }
  nodes { name: "proxy" role: PROXY domain: "a.example" }
  nodes { name: "desk" role: PHONES domain: "a.example" }
  nodes { name: "mobile" role: PHONES domain: "a.example" }
  links { a: "callers" b: "proxy" delay: "1ms" }
  links { a: "desk" b: "proxy" delay: "1ms" }
  links { a: "mobile" b: "proxy" delay: "1ms" }
}
groups { node: "callers" phones { count: 10 user_prefix: "c" register: true } }
groups { node: "desk" phones { count: 10 user_prefix: "d" register: true user { answer_delay { constant: 1 } } } }
groups { node: "mobile" phones { count: 10 user_prefix: "d" register: true user { answer_delay { constant: 1 } } } }
groups { node: "proxy" proxy { sequential_forking: true } }
traffic {
  calls_per_second: 0.5
  caller_groups: "callers"
  callees { mode: GROUP group: "desk" }
  holding { constant: 2 }
  start_s: 1
}
)";
    const Calls oneGroup = RunSipsim(file.string(), "");
    const Calls ordered = RunSipsim(file.string(), "--set groups[1].phones.contact_q=1 "
                                                   "--set groups[2].phones.contact_q=0.5");
    fs::remove(file);
    ASSERT_EQ(oneGroup.exit, 0) << oneGroup.output;
    ASSERT_EQ(ordered.exit, 0) << ordered.output;
    const long mobileAlike = Received(oneGroup.output, "mobile");
    const long mobileSecond = Received(ordered.output, "mobile");
    const long deskSecond = Received(ordered.output, "desk");
    ASSERT_GE(mobileAlike, 0) << oneGroup.output;
    // About 30 calls: each rings the mobile phones too (INVITE, CANCEL, ACK) in one q-group;
    // with q-values the mobiles get their registrations' responses only.
    EXPECT_GT(mobileAlike, mobileSecond + 60) << oneGroup.output << ordered.output;
    EXPECT_GT(deskSecond, mobileSecond + 60) << ordered.output;
    EXPECT_GT(ordered.completed, 20) << ordered.output;
    // Both devices of a user answer a forked INVITE at the same instant: their To tags differ
    // (RFC 3261 19.3), so the caller ACKs each 2xx on its own dialog and nobody retransmits a
    // 2xx for want of its ACK (with equal tags the second device got no ACK: 104 copies).
    EXPECT_EQ(Retransmitted(oneGroup.output, "desk"), 0) << oneGroup.output;
    EXPECT_EQ(Retransmitted(oneGroup.output, "mobile"), 0) << oneGroup.output;
}

// groups[i].phones.transport: the users' messages go over TCP, both ways.
TEST(ScenarioField, PhoneTransportTcpCarriesTheirMessages)
{
    const auto count = [](const std::string& sets) {
        std::map<sipsim::trace::Transport, size_t> byTransport;
        for (const auto& m : MessagesOf("quickstart.textproto", sets))
        {
            ++byTransport[m.transport()];
        }
        return byTransport;
    };
    const auto udp = count("");
    const auto tcp = count("--set groups[0].phones.transport=TCP");
    EXPECT_EQ(udp.count(sipsim::trace::TCP), 0u);
    // phones-a's REGISTERs, INVITEs and what answers them: hundreds of messages each way.
    EXPECT_GT(tcp.at(sipsim::trace::TCP), 400u);
    EXPECT_GT(tcp.at(sipsim::trace::UDP), 400u) << "phones-b and the gateway stay on UDP";
}

// groups[i].proxy.digest_algorithms: the registrar challenges with SHA-256 first (and MD5),
// and the phones answer with SHA-256 (the first they support, RFC 8760).
TEST(ScenarioField, DigestAlgorithmsChooseTheChallengesAndTheAnswers)
{
    const auto answers = [](const std::string& sets) {
        const fs::path out
            = fs::temp_directory_path() / ("sipsim-digest-" + std::to_string(::getpid()));
        fs::remove_all(out);
        const auto r = sipsim::test::RunCommand(
            kSipsim, "run " + kSource
                         + "/scenarios/registration-auth.textproto --no-progress "
                           "--pcap --out "
                         + out.string() + " " + sets);
        EXPECT_EQ(r.exit, 0) << r.output;
        // Authorization header lines on the wire, by the algorithm they answer with.
        std::map<std::string, size_t> byAlgorithm;
        for (const auto& entry : fs::directory_iterator(out))
        {
            if (entry.path().extension() != ".pcap")
            {
                continue;
            }
            std::ifstream in(entry.path(), std::ios::binary);
            const std::string bytes((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
            const std::string field = "\nAuthorization: Digest ";
            for (size_t at = bytes.find(field); at != std::string::npos;
                 at = bytes.find(field, at + 1))
            {
                const std::string line = bytes.substr(at, bytes.find('\r', at) - at);
                const auto a = line.find("algorithm=");
                ++byAlgorithm[a == std::string::npos
                                  ? "none"
                                  : line.substr(a + 10, line.find(',', a) - a - 10)];
            }
        }
        fs::remove_all(out);
        return byAlgorithm;
    };
    const auto md5 = answers("");
    const auto sha = answers("--set groups[2].proxy.digest_algorithms=SHA_256,MD5");
    EXPECT_EQ(md5.count("SHA-256"), 0u);
    EXPECT_GT(md5.at("MD5"), 100u);
    EXPECT_GT(sha.at("SHA-256"), 100u);
    EXPECT_EQ(sha.count("MD5"), 0u) << "the first challenge a phone supports is answered";
}

// groups[i].phones.options_interval_s: keep-alive OPTIONS from every user, answered 200 by
// the proxy for itself (RFC 3261 11.2).
TEST(ScenarioField, OptionsIntervalSendsKeepAlivesTheProxyAnswers)
{
    const auto count = [](const std::string& sets) {
        std::pair<size_t, size_t> sentAnswered{0, 0};
        for (const auto& m : MessagesOf("quickstart.textproto", sets))
        {
            if (m.cseq_method() == "OPTIONS")
            {
                sentAnswered.first += m.tx() && m.method() == "OPTIONS" ? 1 : 0;
                sentAnswered.second += !m.tx() && m.status() == 200 ? 1 : 0;
            }
        }
        return sentAnswered;
    };
    EXPECT_EQ(count("").first, 0u);
    // 100 users of phones-a, one OPTIONS each every 30 s over 300 s: 1000, the last ones at
    // the run's end.
    const auto [sent, answered] = count("--set groups[0].phones.options_interval_s=30");
    EXPECT_GE(sent, 990u);
    EXPECT_LE(sent, 1000u);
    EXPECT_GE(answered + 5, sent);
}

// groups[i].phones.follow_redirects: callers try the Contacts of a 3xx (RFC 3261 8.1.3.4).
TEST(ScenarioField, FollowRedirectsCompletesCallsARedirectServerAnswers)
{
    const std::string s = kSource + "/scenarios/redirect-server.textproto";
    const Calls stop = RunSipsim(s, "");
    const Calls follow = RunSipsim(s, "--set groups[0].phones.follow_redirects=true");
    EXPECT_EQ(stop.completed, 0) << stop.output;
    EXPECT_EQ(follow.attempted, stop.attempted);
    // Every call to an existing user is redirected and then completes, or finds its callee
    // busy; only the 10 % to unknown users (404) and the busy ones fail.
    EXPECT_GT(follow.completed + follow.upAtEnd, stop.attempted * 3 / 4) << follow.output;
    EXPECT_EQ(follow.output.find(" 302 x"), std::string::npos) << follow.output;
    EXPECT_EQ(follow.output.find(" 300 x"), std::string::npos) << follow.output;
}

// groups[i].phones.register_retry_s and options_interval_s after a registrar crash: a
// restarted proxy has lost the bindings; calls after it are 404 for ever unless the phones
// register again (after their refresh failed, or when keep-alives come back).
TEST(ScenarioField, PhonesRegisterAgainAfterTheRegistrarLostTheirBindings)
{
    const std::string s = kSource + "/scenarios/quickstart.textproto";
    const std::string crash = "--set faults[0].at_s=60 --set faults[0].node_crash.node=proxy-b "
                              "--set faults[0].node_crash.restart_after_s=60 --set warmup_s=150 ";
    const auto count404 = [](const Calls& c) {
        std::smatch m;
        return std::regex_search(c.output, m, std::regex(" 404 x(\\d+)")) ? std::stol(m[1]) : 0L;
    };
    const Calls lost = RunSipsim(s, crash);
    const Calls keepAlive = RunSipsim(s, crash + "--set groups[1].phones.options_interval_s=10");
    const Calls refreshOnly = RunSipsim(s, crash + "--set groups[1].phones.register_expires_s=60");
    const Calls retried = RunSipsim(s, crash
                                           + "--set groups[1].phones.register_expires_s=60 "
                                             "--set groups[1].phones.register_retry_s=10");
    // Calls to b.example placed after 150 s: without re-registration nearly all get 404.
    EXPECT_GT(count404(lost), 25) << lost.output;
    EXPECT_GT(count404(refreshOnly), 25) << "a failed refresh stays failed: " << refreshOnly.output;
    EXPECT_EQ(count404(keepAlive), 0) << keepAlive.output;
    EXPECT_EQ(count404(retried), 0) << retried.output;
    EXPECT_GT(keepAlive.completed, 20) << keepAlive.output;
    EXPECT_GT(retried.completed, 20) << retried.output;
}

// groups[i].proxy.proxy_auth on two proxies of the path: each challenges in its own realm and
// the caller answers both (RFC 3665 3.3), where it used to give up at the second 407.
TEST(ScenarioField, TwoAuthenticatingProxiesOnThePathAreBothAnswered)
{
    const fs::path file = fs::temp_directory_path()
                          / ("sipsim-two-realms-" + std::to_string(::getpid()) + ".textproto");
    std::ofstream(file) << R"(name: "two-realms"
duration_s: 60
topology {
  nodes { name: "phones-a" role: PHONES domain: "a.example" }
  nodes { name: "proxy-a" role: PROXY domain: "a.example" }
  nodes { name: "proxy-b" role: PROXY domain: "b.example" }
  nodes { name: "phones-b" role: PHONES domain: "b.example" }
  links { a: "phones-a" b: "proxy-a" delay: "1ms" }
  links { a: "proxy-a" b: "proxy-b" delay: "5ms" }
  links { a: "proxy-b" b: "phones-b" delay: "1ms" }
}
groups { node: "phones-a" phones { count: 2 user_prefix: "alice" first_user: 1 password: "pw" register: true } }
groups { node: "phones-b" phones { count: 20 user_prefix: "bob" password: "pw" register: true } }
groups { node: "proxy-a" proxy { proxy_auth: true } }
groups { node: "proxy-b" proxy { proxy_auth: true users { key: "alice1" value: "pw" } users { key: "alice2" value: "pw" } } }
traffic {
  calls_per_second: 0.2
  callees { mode: DOMAIN domain: "b.example" }
  caller_groups: "phones-a"
  holding { constant: 2 }
  start_s: 1
}
)";
    const Calls c = RunSipsim(file.string(), "");
    fs::remove(file);
    ASSERT_EQ(c.exit, 0) << c.output;
    EXPECT_GT(c.attempted, 5) << c.output;
    EXPECT_GE(c.completed + c.upAtEnd + 1, c.attempted) << c.output;
    EXPECT_EQ(c.output.find(" 407 x"), std::string::npos) << c.output;
}

// traffic.hostile: each kind of refused request gets the proxy's answer for it.
TEST(ScenarioField, HostileTrafficMakesTheProxyRefuseEachKind)
{
    const auto answers = [](const std::string& sets) {
        std::map<std::pair<uint32_t, std::string>, size_t> byStatus; // first copies sent
        for (const auto& m : MessagesOf("quickstart.textproto", sets))
        {
            if (m.tx() && !m.retransmission() && m.status() >= 400)
            {
                ++byStatus[{m.status(), m.cseq_method()}];
            }
        }
        return byStatus;
    };
    const auto quiet = answers("");
    const auto hostile = answers("--set traffic.hostile.missing_call_id_per_s=0.2 "
                                 "--set traffic.hostile.unsupported_proxy_require_per_s=0.2 "
                                 "--set traffic.hostile.unmatched_cancel_per_s=0.2 "
                                 "--set traffic.hostile.unknown_method_per_s=0.2 "
                                 "--set traffic.hostile.unsupported_version_per_s=0.2");
    // About 60 of each over the 300 s run.
    const std::vector<std::pair<uint32_t, std::string>> rows{
        {400, "OPTIONS"}, {420, "INVITE"}, {481, "CANCEL"}, {501, "FROBNICATE"}, {505, "OPTIONS"}};
    for (const auto& row : rows)
    {
        EXPECT_EQ(quiet.count(row), 0u) << row.first;
        ASSERT_EQ(hostile.count(row), 1u) << row.first << " " << row.second;
        EXPECT_GT(hostile.at(row), 35u) << row.first;
        EXPECT_LT(hostile.at(row), 90u) << row.first;
    }
}

// groups[i].phones.reuse_credentials: refreshes carry credentials for the last challenge and
// are not challenged again while the nonce is valid (RFC 3261 22.1).
TEST(ScenarioField, ReuseCredentialsSavesTheChallengeOfEveryRefresh)
{
    const auto challenges = [](const std::string& sets) {
        std::pair<size_t, size_t> registers401{0, 0};
        for (const auto& m : MessagesOf("rfc3665/2.1-new-registration.textproto",
                                        "--set duration_s=300 "
                                        "--set groups[0].phones.register_expires_s=60 "
                                            + sets))
        {
            registers401.first += m.tx() && m.method() == "REGISTER" ? 1 : 0;
            registers401.second += m.tx() && m.status() == 401 ? 1 : 0;
        }
        return registers401;
    };
    // A refresh every 30 s over 300 s: 10 registrations.
    EXPECT_EQ(challenges(""), (std::pair<size_t, size_t>{20, 10}));
    EXPECT_EQ(challenges("--set groups[0].phones.reuse_credentials=true"),
              (std::pair<size_t, size_t>{11, 1}));
}

// faults[i].registration: the carols' desk phones remove all bindings (RFC 3665 2.4: calls to
// carols then get 404), remove their own (one contact left: 302 instead of 300), or only ask
// (2.3: nothing changes).
TEST(ScenarioField, RegistrationActionsChangeTheBindingsARedirectServerReturns)
{
    const std::string s = kSource + "/scenarios/redirect-server.textproto";
    const auto statuses = [&s](const std::string& kind) {
        const Calls c = RunSipsim(
            s, kind.empty()
                   ? ""
                   : "--set faults[0].at_s=50 --set faults[0].registration.node=carol-desk "
                     "--set faults[0].registration.kind="
                         + kind);
        std::map<int, long> byStatus;
        std::smatch m;
        for (std::string rest = c.output;
             std::regex_search(rest, m, std::regex(" (\\d{3}) x(\\d+)")); rest = m.suffix())
        {
            byStatus[std::stoi(m[1])] = std::stol(m[2]);
        }
        return byStatus;
    };
    auto none = statuses("");
    auto removeAll = statuses("REMOVE_ALL");
    auto unregister = statuses("UNREGISTER");
    const auto query = statuses("QUERY");
    EXPECT_EQ(query, none);
    EXPECT_GT(removeAll[404], none[404] + 10);
    EXPECT_LT(removeAll[300], none[300]);
    EXPECT_EQ(removeAll[302], none[302]) << "bob's bindings are left alone";
    EXPECT_EQ(unregister[404], none[404]);
    EXPECT_GT(unregister[302], none[302] + 10) << "the soft phones' one contact is left";
    EXPECT_EQ(unregister[300] + unregister[302], none[300] + none[302]);
}

// groups[i].proxy.routes[j].transport and proxy.route_transport: the hop between proxies goes
// over TCP, for a static route and for the routes the topology computes.
TEST(ScenarioField, RouteTransportCarriesTheProxyHopOverTcp)
{
    const auto tcpMessages = [](const std::string& scenario, const std::string& sets) {
        size_t tcp = 0;
        for (const auto& m : MessagesOf(scenario, sets))
        {
            tcp += m.transport() == sipsim::trace::TCP ? 1 : 0;
        }
        return tcp;
    };
    EXPECT_EQ(tcpMessages("quickstart.textproto", ""), 0u);
    EXPECT_GT(tcpMessages("quickstart.textproto", "--set groups[2].proxy.routes[0].transport=TCP "
                                                  "--set groups[3].proxy.routes[0].transport=TCP"),
              200u);
    EXPECT_EQ(tcpMessages("rfc3665/3.2-two-proxies.textproto", ""), 0u);
    EXPECT_GT(tcpMessages("rfc3665/3.2-two-proxies.textproto",
                          "--set groups[2].proxy.route_transport=TCP"),
              10u);
}

// expectations[i] on a metric without samples: violated with the reason, never NaN.
TEST(ScenarioField, AnExpectationOnAMetricWithoutSamplesFailsSayingSo)
{
    const std::string s = SmallScenario();
    const Calls c = RunSipsim(s, "--set expectations[0].metric=pdd_p95_s "
                                 "--set expectations[0].op=LT --set expectations[0].value=1 "
                                 "--set expectations[1].metric=completed_ratio "
                                 "--set expectations[1].op=GE --set expectations[1].value=0");
    EXPECT_EQ(c.exit, 1) << c.output;
    EXPECT_NE(c.output.find("VIOLATED pdd_p95_s < 1 (no samples (no call has a post-dial delay))"),
              std::string::npos)
        << c.output;
    EXPECT_NE(c.output.find("VIOLATED completed_ratio >= 0 (no samples"), std::string::npos)
        << c.output;
    EXPECT_EQ(c.output.find("nan"), std::string::npos) << c.output;
}

// groups[i].proxy.capacity.reject_time: a costly rejection takes workers from calls.
TEST(ScenarioField, CapacityRejectTimeCutsGoodputUnderOverload)
{
    const std::string s = kSource + "/scenarios/overload-503.textproto";
    const std::string tenfold = "--set traffic.calls_per_second=180 ";
    const Calls cheap = RunSipsim(s, tenfold);
    const Calls costly
        = RunSipsim(s, tenfold + "--set faults[0].capacity.capacity.reject_time.constant=0.003");
    ASSERT_NE(cheap.completed, -1) << cheap.output;
    ASSERT_NE(costly.completed, -1) << costly.output;
    EXPECT_LT(costly.completed * 5, cheap.completed * 4)
        << "cheap: " << cheap.output << "\ncostly: " << costly.output;
}

// user.ring_timeout_s: in RFC 3665 3.8 nobody answers and Alice cancels after 5 s (487); with
// Bob's ring timeout at 2 s his phone refuses with 480 exactly 2 s after its 180, and nobody
// cancels.
TEST(ScenarioField, RingTimeoutRefusesAnUnansweredCallWith480)
{
    constexpr uint32_t kBob = 3; // the scenario's fourth node
    const auto first = [](const std::vector<sipsim::trace::Message>& messages, uint32_t status,
                          const std::string& method) -> const sipsim::trace::Message* {
        for (const auto& m : messages)
        {
            if (m.tx() && m.node() == kBob && m.status() == status && m.method() == method)
            {
                return &m;
            }
        }
        return nullptr;
    };
    const auto cancels = [](const std::vector<sipsim::trace::Message>& messages) {
        return std::count_if(messages.begin(), messages.end(),
                             [](const auto& m) { return m.tx() && m.method() == "CANCEL"; });
    };
    const auto plain = MessagesOf("rfc3665/3.8-no-answer.textproto", "");
    EXPECT_EQ(first(plain, 480, ""), nullptr);
    EXPECT_NE(first(plain, 487, ""), nullptr);
    EXPECT_GT(cancels(plain), 0);

    const auto timed = MessagesOf(
        "rfc3665/3.8-no-answer.textproto",
        "--set groups[1].phones.user.ring_timeout_s=2 --set expectations[0].status=480");
    const auto* ringing = first(timed, 180, "");
    const auto* refused = first(timed, 480, "");
    ASSERT_NE(ringing, nullptr);
    ASSERT_NE(refused, nullptr);
    EXPECT_EQ(refused->time_ns() - ringing->time_ns(), 2'000'000'000);
    EXPECT_EQ(first(timed, 487, ""), nullptr);
    EXPECT_EQ(cancels(timed), 0);
}

} // namespace
