/*
 * The packets a SipStack sends carry the SIP text itself, so a capture of the simulated links
 * decodes as SIP in Wireshark: checked with tshark on pcap files of a UDP and a TCP exchange.
 */
#include "transport-test-support.h"

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <unistd.h>

namespace sipsim::test {
namespace {

using namespace ns3;

using Pcap = TransportTest;

const char* const kTshark = "/usr/bin/tshark";

std::vector<std::string>
Lines(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
    {
        if (!line.empty())
        {
            out.push_back(line);
        }
    }
    return out;
}

TEST_F(Pcap, CapturesDecodeAsSipInTshark)
{
    if (!std::filesystem::exists(kTshark))
    {
        GTEST_SKIP() << "tshark is not installed";
    }
    const std::filesystem::path dir
        = std::filesystem::temp_directory_path() / ("sipsim-pcap-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);

    {
        Line line(2);
        line.p2p.EnablePcapAll((dir / "sip").string());
        SipStackHelper helper;
        const auto stacks = helper.Install(line.nodes);
        TestUser client(stacks[0], 0);
        TestUser server(stacks[1], 200);
        client.SendAt(Seconds(1),
                      MakeTestRequest("OPTIONS", line.First(), line.Last(), 1, "pcap-udp"),
                      PeerOf(line.Last()));
        Message big = MakeTestRequest("OPTIONS", line.First(), line.Last(), 2, "pcap-tcp");
        big.SetBody("text/plain", std::string(2000, 'p')); // over TCP (18.1.1)
        client.SendAt(Seconds(2), big, PeerOf(line.Last()));
        Simulator::Run();
        ASSERT_EQ(client.responses.size(), 2u);
        EXPECT_EQ(stacks[0]->GetCounters().tcpMessagesSent, 1u);
        Simulator::Destroy(); // closes the capture files
    }

    for (const char* file : {"sip-0-1.pcap", "sip-1-1.pcap"})
    {
        const std::string path = (dir / file).string();
        ASSERT_TRUE(std::filesystem::exists(path)) << path;
        const std::vector<std::string> sip = Lines(
            RunCommand(std::string(kTshark) + " -r '" + path
                       + "' -Y sip -T fields -e sip.Method -e sip.Status-Code -e sip.Call-ID"
                         " 2>/dev/null"));
        const std::vector<std::string> expected = {
            "OPTIONS\t\tpcap-udp",
            "\t200\tpcap-udp",
            "OPTIONS\t\tpcap-tcp",
            "\t200\tpcap-tcp",
        };
        EXPECT_EQ(sip, expected) << file;
        const std::vector<std::string> malformed = Lines(
            RunCommand(std::string(kTshark) + " -r '" + path + "' -Y _ws.malformed 2>/dev/null"));
        EXPECT_TRUE(malformed.empty()) << file << ": " << malformed.front();
        // The TCP request travelled as several segments, reassembled by tshark.
        const std::vector<std::string> tcp
            = Lines(RunCommand(std::string(kTshark) + " -r '" + path
                               + "' -Y 'tcp.len > 0' -T fields -e tcp.len 2>/dev/null"));
        EXPECT_GE(tcp.size(), 4u) << file;
    }
    std::filesystem::remove_all(dir);
}

} // namespace
} // namespace sipsim::test
