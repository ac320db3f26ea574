/*
 * The trace file without a simulation: TraceWriter and TraceReader round trips (plain and
 * gzip), the temporary name, an interrupted run's trailer, truncated files read up to the
 * last complete record with the offset reported, and the summary computed from records.
 */
#include "trace/trace-file.h"
#include "trace/trace-summary.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace sipsim::trace {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::MessageDifferencer;

std::string
TempPath(const std::string& name)
{
    const fs::path dir = fs::temp_directory_path() / ("sipsim-trace-" + std::to_string(getpid()));
    fs::create_directories(dir);
    return (dir / name).string();
}

std::string
Slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Header
TestHeader()
{
    Header h;
    h.set_program_version("test");
    h.set_scenario_name("unit");
    h.set_scenario_text("name: \"unit\"\n");
    h.set_seed(7);
    h.set_run(3);
    return h;
}

std::vector<Record>
SomeRecords()
{
    std::vector<Record> records;
    for (int i = 0; i < 20; ++i)
    {
        Record r;
        Message* m = r.mutable_message();
        m->set_time_ns(1000 * i);
        m->set_node(i % 3);
        m->set_tx(i % 2 == 0);
        m->set_transport(UDP);
        m->set_method("INVITE");
        m->set_call_id("call-" + std::to_string(i));
        m->set_cseq(1);
        m->set_cseq_method("INVITE");
        m->set_branch("z9hG4bK" + std::to_string(i));
        m->set_size(400 + i);
        m->set_retransmission(i % 5 == 4);
        m->set_peer("UDP 10.1.1.2:5060");
        records.push_back(r);
    }
    Record call;
    CallRecord* c = call.mutable_call();
    c->set_caller("sip:alice@a");
    c->set_callee("sip:bob@b");
    c->set_invite_ns(0);
    c->set_first_18x_ns(-1);
    c->set_answer_ns(-1);
    c->set_bye_ns(-1);
    c->set_final_status(486);
    c->set_post_dial_delay_s(0.25);
    c->set_outcome(FAILED);
    records.push_back(call);
    return records;
}

/// Size of a record as written: varint length and bytes.
size_t
DelimitedSize(const google::protobuf::MessageLite& m)
{
    const size_t n = m.ByteSizeLong();
    return google::protobuf::io::CodedOutputStream::VarintSize32(static_cast<uint32_t>(n)) + n;
}

void
WriteTrace(const std::string& path, const std::vector<Record>& records, bool gzip,
           bool complete = true, const std::string& reason = "end")
{
    TraceWriter writer;
    ASSERT_TRUE(writer.Open(path, TestHeader(), gzip)) << writer.GetError();
    EXPECT_TRUE(fs::exists(path + ".tmp"));
    for (const Record& r : records)
    {
        ASSERT_TRUE(writer.Write(r));
    }
    ASSERT_TRUE(writer.Close(complete, reason, 123)) << writer.GetError();
    EXPECT_FALSE(fs::exists(path + ".tmp"));
    EXPECT_TRUE(fs::exists(path));
}

void
ExpectSameRecords(const std::vector<Record>& written, const TraceContents& read)
{
    ASSERT_EQ(read.records.size(), written.size() + 1); // + Trailer
    for (size_t i = 0; i < written.size(); ++i)
    {
        EXPECT_TRUE(MessageDifferencer::Equals(written[i], read.records[i])) << i;
    }
}

TEST(TraceFileTest, RoundTripPlain)
{
    const std::string path = TempPath("plain.trace");
    const auto records = SomeRecords();
    WriteTrace(path, records, false);
    const TraceContents read = ReadTrace(path);
    ASSERT_TRUE(read.ok) << read.error;
    EXPECT_EQ(read.header.schema_version(), kSchemaVersion);
    EXPECT_EQ(read.header.scenario_name(), "unit");
    EXPECT_EQ(read.header.scenario_text(), "name: \"unit\"\n");
    EXPECT_EQ(read.header.seed(), 7u);
    EXPECT_EQ(read.header.run(), 3u);
    ExpectSameRecords(records, read);
    const Trailer& t = read.records.back().trailer();
    EXPECT_TRUE(t.complete());
    EXPECT_EQ(t.stop_reason(), "end");
    EXPECT_EQ(t.records(), records.size());
    EXPECT_EQ(t.end_ns(), 123);
}

TEST(TraceFileTest, RoundTripGzip)
{
    const std::string path = TempPath("gz.trace.gz");
    const auto records = SomeRecords();
    WriteTrace(path, records, true);
    const std::string bytes = Slurp(path);
    ASSERT_GE(bytes.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0x8b);
    TraceReader reader;
    ASSERT_TRUE(reader.Open(path)) << reader.GetError();
    EXPECT_TRUE(reader.IsGzip());
    const TraceContents read = ReadTrace(path);
    ASSERT_TRUE(read.ok) << read.error;
    ExpectSameRecords(records, read);

    // Same records, same bytes (no time stamp in the gzip header).
    const std::string again = TempPath("gz2.trace.gz");
    WriteTrace(again, records, true);
    EXPECT_EQ(Slurp(again), bytes);
}

TEST(TraceFileTest, InterruptedRunLeavesValidTraceMarkedIncomplete)
{
    const std::string path = TempPath("interrupted.trace");
    const auto records = SomeRecords();
    WriteTrace(path, records, false, false, "SIGINT");
    const TraceContents read = ReadTrace(path);
    ASSERT_TRUE(read.ok) << read.error;
    const Trailer& t = read.records.back().trailer();
    EXPECT_FALSE(t.complete());
    EXPECT_EQ(t.stop_reason(), "SIGINT");
}

TEST(TraceFileTest, AbandonedWriterStillRenamesWithIncompleteTrailer)
{
    const std::string path = TempPath("abandoned.trace");
    {
        TraceWriter writer;
        ASSERT_TRUE(writer.Open(path, TestHeader(), false));
        writer.Write(SomeRecords().front());
    }
    const TraceContents read = ReadTrace(path);
    ASSERT_TRUE(read.ok) << read.error;
    EXPECT_FALSE(read.records.back().trailer().complete());
    EXPECT_EQ(read.records.back().trailer().stop_reason(), "abandoned");
}

TEST(TraceFileTest, TruncatedFileReadsCompleteRecordsThenReportsOffset)
{
    const std::string path = TempPath("full.trace");
    const auto records = SomeRecords();
    WriteTrace(path, records, false);
    const std::string bytes = Slurp(path);
    Header header = TestHeader();
    header.set_schema_version(kSchemaVersion);
    // Where record k starts.
    std::vector<size_t> starts;
    size_t offset = DelimitedSize(header);
    for (const Record& r : records)
    {
        starts.push_back(offset);
        offset += DelimitedSize(r);
    }
    const size_t k = 7;
    for (const size_t cut : {starts[k] + 1, starts[k] + 5, starts[k + 1] - 1})
    {
        const std::string cutPath = TempPath("cut.trace");
        std::ofstream(cutPath, std::ios::binary) << bytes.substr(0, cut);
        const TraceContents read = ReadTrace(cutPath);
        EXPECT_FALSE(read.ok);
        ASSERT_EQ(read.records.size(), k) << "cut at " << cut;
        for (size_t i = 0; i < k; ++i)
        {
            EXPECT_TRUE(MessageDifferencer::Equals(records[i], read.records[i]));
        }
        EXPECT_EQ(read.errorOffset, starts[k]) << read.error;
        EXPECT_NE(read.error.find(std::to_string(starts[k])), std::string::npos) << read.error;
    }
    // Cut exactly between records: every record before is read; no trailer is an error.
    const std::string cutPath = TempPath("cut2.trace");
    std::ofstream(cutPath, std::ios::binary) << bytes.substr(0, starts[k]);
    const TraceContents read = ReadTrace(cutPath);
    EXPECT_FALSE(read.ok);
    EXPECT_EQ(read.records.size(), k);
    EXPECT_EQ(read.errorOffset, starts[k]);
}

TEST(TraceFileTest, TruncatedGzipReadsRecordsBeforeTheCut)
{
    const std::string path = TempPath("full.trace.gz");
    // Enough records that the compressed stream spans several deflate blocks.
    std::vector<Record> records;
    for (int round = 0; round < 400; ++round)
    {
        for (const Record& r : SomeRecords())
        {
            records.push_back(r);
        }
    }
    WriteTrace(path, records, true);
    const std::string bytes = Slurp(path);
    const std::string cutPath = TempPath("cut.trace.gz");
    std::ofstream(cutPath, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    const TraceContents read = ReadTrace(cutPath);
    EXPECT_FALSE(read.ok);
    EXPECT_GT(read.records.size(), 0u);
    EXPECT_LT(read.records.size(), records.size());
    for (size_t i = 0; i < read.records.size(); ++i)
    {
        ASSERT_TRUE(MessageDifferencer::Equals(records[i], read.records[i])) << i;
    }
    EXPECT_GT(read.errorOffset, 0u);
}

TEST(TraceFileTest, NotATrace)
{
    const std::string path = TempPath("empty.trace");
    std::ofstream(path, std::ios::binary) << "";
    const TraceContents read = ReadTrace(path);
    EXPECT_FALSE(read.ok);
    EXPECT_FALSE(read.error.empty());
    EXPECT_FALSE(ReadTrace(TempPath("missing.trace")).ok);
}

TEST(TraceSummaryTest, CountsAndPercentiles)
{
    std::vector<Record> records;
    const auto call = [&](CallOutcome outcome, uint32_t status, double pdd, int64_t answer) {
        Record r;
        CallRecord* c = r.mutable_call();
        c->set_outcome(outcome);
        c->set_final_status(status);
        c->set_post_dial_delay_s(pdd);
        c->set_answer_ns(answer);
        records.push_back(r);
    };
    for (int i = 1; i <= 100; ++i)
    {
        call(COMPLETED, 200, i / 100.0, 5);
    }
    call(FAILED, 486, 2.0, -1);
    call(FAILED, 486, 3.0, -1);
    call(FAILED, 503, -1, -1);
    call(RUN_ENDED_SETUP, 0, -1, -1);
    call(RUN_ENDED_IN_CALL, 200, 0.5, 9);
    Record reg;
    reg.mutable_registration()->set_ok(true);
    records.push_back(reg);
    reg.mutable_registration()->set_ok(false);
    records.push_back(reg);
    Record sample;
    sample.mutable_sample()->set_role(PROXY);
    sample.mutable_sample()->set_name("proxy");
    sample.mutable_sample()->set_node(4);
    sample.mutable_sample()->set_peak_queue_length(12);
    sample.mutable_sample()->set_utilization(0.75);
    sample.mutable_sample()->set_mean_utilization(0.5);
    records.push_back(sample);
    sample.mutable_sample()->set_peak_queue_length(3);
    sample.mutable_sample()->set_utilization(0.25);
    sample.mutable_sample()->set_mean_utilization(0.4);
    records.push_back(sample);

    const Summary s = Summarize(records);
    EXPECT_EQ(s.callsAttempted, 105u);
    EXPECT_EQ(s.callsCompleted, 100u);
    EXPECT_EQ(s.callsAnswered, 101u);
    EXPECT_EQ(s.callsFailed, 3u);
    EXPECT_EQ(s.callsRunEndedSetup, 1u);
    EXPECT_EQ(s.callsRunEndedInCall, 1u);
    EXPECT_EQ(s.failedByStatus.at(486), 2u);
    EXPECT_EQ(s.failedByStatus.at(503), 1u);
    // 103 delays: 0.01 .. 1.00, 2, 3, 0.5; nearest rank.
    EXPECT_EQ(s.postDialDelay.count, 103u);
    EXPECT_DOUBLE_EQ(s.postDialDelay.p50, 0.51); // 52nd smallest (0.5 is in twice)
    EXPECT_DOUBLE_EQ(s.postDialDelay.p95, 0.97); // 98th
    EXPECT_DOUBLE_EQ(s.postDialDelay.p99, 2.0);  // 102nd
    EXPECT_DOUBLE_EQ(s.postDialDelay.max, 3.0);
    EXPECT_EQ(s.registrationsOk, 1u);
    EXPECT_EQ(s.registrationsFailed, 1u);
    ASSERT_EQ(s.proxies.count("proxy"), 1u);
    EXPECT_EQ(s.proxies.at("proxy").peakQueue, 12u);
    EXPECT_DOUBLE_EQ(s.proxies.at("proxy").peakUtilization, 0.75);
    EXPECT_DOUBLE_EQ(s.proxies.at("proxy").meanUtilization, 0.4);

    const std::string json = s.ToJson();
    EXPECT_EQ(json, Summarize(records).ToJson());
    EXPECT_NE(json.find("\"attempted\": 105"), std::string::npos) << json;
    EXPECT_NE(json.find("\"486\": 2"), std::string::npos) << json;
    EXPECT_NE(json.find("\"p99_s\": 2"), std::string::npos) << json;
    EXPECT_LT(json.find("\"run\""), json.find("\"calls\""));
}

} // namespace
} // namespace sipsim::trace
