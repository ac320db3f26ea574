/*
 * Device behaviour profiles: the shipped profiles load and follow the rules, bad profiles get
 * file:line:col errors, every row of the vendor tables (../shared/seeds) is in a profile, and
 * the committed compliance pages are what the profiles generate.
 */
#include "message/sip-message.h"
#include "profile/compliance-table.h"
#include "profile/device-profile.h"

#include <dirent.h>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace sipsim;
using namespace sipsim::profile;

namespace {

const std::string kSource = SIPSIM_SOURCE_DIR;
const std::string kSeeds = SIPSIM_SEEDS_DIR;

std::string
ReadFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string>
ShippedProfiles()
{
    std::vector<std::string> names;
    if (DIR* dir = opendir((kSource + "/profiles").c_str()))
    {
        while (const dirent* entry = readdir(dir))
        {
            const std::string name = entry->d_name;
            if (name.size() > 10 && name.compare(name.size() - 10, 10, ".textproto") == 0)
            {
                names.push_back(name.substr(0, name.size() - 10));
            }
        }
        closedir(dir);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::shared_ptr<const DeviceProfile>
Shipped(const std::string& name)
{
    std::string error;
    auto p = LoadProfile(kSource + "/profiles/" + name + ".textproto", &error);
    EXPECT_NE(p, nullptr) << error;
    return p;
}

/// First words of the reason phrases of RFC 3261 21 and RFC 2616 10 as the vendor tables write
/// them (409, 411, 414; the SPS table's 487 "Busy here; request cancelled"), to tell a table
/// row from a figure in the text.
const std::map<uint32_t, std::string> kReasonWord = {
    {100, "Trying"},       {180, "Ringing"},     {181, "Call"},        {182, "Queued"},
    {183, "Session"},      {200, "OK"},          {300, "Multiple"},    {301, "Moved"},
    {302, "Moved"},        {305, "Use"},         {380, "Alternative"}, {400, "Bad"},
    {401, "Unauthorized"}, {402, "Payment"},     {403, "Forbidden"},   {404, "Not"},
    {405, "Method"},       {406, "Not"},         {407, "Proxy"},       {408, "Request"},
    {409, "Conflict"},     {410, "Gone"},        {411, "Length"},      {412, "Conditional"},
    {413, "Request"},      {414, "Request"},     {415, "Unsupported"}, {416, "Unsupported"},
    {420, "Bad"},          {480, "Temporarily"}, {481, "Call"},        {482, "Loop"},
    {483, "Too"},          {484, "Address"},     {485, "Ambiguous"},   {486, "Busy"},
    {487, "Busy"},         {488, "Not"},         {500, "Server"},      {501, "Not"},
    {502, "Bad"},          {503, "Service"},     {504, "Gateway"},     {505, "Version"},
    {600, "Busy"},         {603, "Decline"},     {604, "Does"},        {606, "Not"},
};

/**
 * The response codes a seed table lists: a three-digit code that starts a line or a table
 * cell and is followed (after spaces, cell bars and line breaks) by the first word of its
 * reason phrase. That skips page numbers and codes quoted in the comments ("before a 200 OK").
 */
std::set<uint32_t>
SeedCodes(const std::string& text)
{
    std::set<uint32_t> codes;
    static const std::regex code(R"((^|\n|\|)[ \t]*([1-6]\d\d)(?![\d]))");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), code);
         it != std::sregex_iterator(); ++it)
    {
        const auto value = static_cast<uint32_t>(std::stoul((*it)[2].str()));
        const auto word = kReasonWord.find(value);
        if (word == kReasonWord.end())
        {
            continue;
        }
        size_t at = static_cast<size_t>(it->position(2) + 3);
        while (at < text.size()
               && (text[at] == ' ' || text[at] == '|' || text[at] == '\n' || text[at] == '\r'))
        {
            ++at;
        }
        if (text.compare(at, word->second.size(), word->second) == 0)
        {
            codes.insert(value);
        }
    }
    return codes;
}

std::set<uint32_t>
RowCodes(const DeviceProfile& p)
{
    std::set<uint32_t> codes;
    for (const auto& row : p.rows())
    {
        codes.insert(row.code());
    }
    return codes;
}

} // namespace

TEST(Profiles, EveryShippedProfileLoadsAndFollowsTheRules)
{
    const auto names = ShippedProfiles();
    ASSERT_GE(names.size(), 4u);
    for (const auto& name : names)
    {
        const auto p = Shipped(name);
        ASSERT_NE(p, nullptr) << name;
        EXPECT_EQ(p->name(), name) << "a profile's name is its file name";
        EXPECT_TRUE(ValidateProfile(*p).empty());
        EXPECT_GT(p->rows_size(), 0);
    }
}

TEST(Profiles, FoundByNameOrPath)
{
    EXPECT_EQ(FindProfileFile("cisco-sip-phone"), kSource + "/profiles/cisco-sip-phone.textproto");
    EXPECT_EQ(FindProfileFile(kSource + "/profiles/cpe-sip-gateway.textproto"),
              kSource + "/profiles/cpe-sip-gateway.textproto");
    EXPECT_EQ(FindProfileFile("no-such-device"), "");
    std::string error;
    EXPECT_EQ(LoadProfileByName("no-such-device", &error), nullptr);
    EXPECT_NE(error.find("profile 'no-such-device' not found"), std::string::npos) << error;
}

/// Every row of each vendor table is a row of the profile that transcribes it, and every
/// row a profile cites from a seed is in that seed's table.
TEST(Profiles, CoverEveryRowOfTheSeedTables)
{
    if (!std::ifstream(kSeeds + "/000_ec980e1ac9fb3f05.txt").good())
    {
        GTEST_SKIP() << "the shared seeds are not beside the repository (" << kSeeds << ")";
    }
    const std::map<std::string, std::string> transcribedBy = {
        {"seeds/000_ec980e1ac9fb3f05.txt", "cisco-sip-phone-earlier"},
        {"seeds/002_0ad91115259b2419.txt", "cisco-sip-phone-earlier"},
        {"seeds/001_3e68e0f0424f4f2d.txt", "cisco-sip-phone"},
        {"seeds/003_74f1aca481036c54.txt", "cpe-sip-gateway"},
        {"seeds/004_867d091cd5477f47.txt", "cisco-sps"},
    };
    const std::map<std::string, std::set<uint32_t>> expected = {
        {"seeds/000_ec980e1ac9fb3f05.txt", {400, 401, 402, 403, 404, 405, 406, 407}},
        {"seeds/002_0ad91115259b2419.txt", {400, 401, 402, 403, 404, 405, 406, 407}},
        {"seeds/001_3e68e0f0424f4f2d.txt",
         {402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 413, 414, 415}},
        {"seeds/003_74f1aca481036c54.txt",
         {400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 413, 415}},
        {"seeds/004_867d091cd5477f47.txt",
         {100, 180, 181, 182, 183, 200, 300, 301, 302, 305, 380, 400, 401, 402, 403, 404,
          405, 406, 407, 408, 409, 410, 411, 413, 414, 415, 420, 480, 481, 482, 483, 484,
          485, 486, 487, 488, 500, 501, 502, 503, 504, 505, 600, 603, 604, 606}},
    };
    for (const auto& [file, profileName] : transcribedBy)
    {
        const auto seedCodes = SeedCodes(ReadFile(kSeeds + "/" + file.substr(6)));
        // The extraction itself is checked against a hand count of the table.
        EXPECT_EQ(seedCodes, expected.at(file)) << file;
        const auto p = Shipped(profileName);
        ASSERT_NE(p, nullptr);
        const auto rows = RowCodes(*p);
        for (const auto code : seedCodes)
        {
            EXPECT_EQ(rows.count(code), 1u)
                << profileName << " lacks row " << code << " of " << file;
        }
    }
    // Citations: a row citing a seed is a row of that seed's table.
    for (const auto& name : ShippedProfiles())
    {
        const auto p = Shipped(name);
        ASSERT_NE(p, nullptr);
        std::map<std::string, std::set<uint32_t>> sourceCodes;
        for (const auto& source : p->sources())
        {
            if (!source.file().empty())
            {
                sourceCodes[source.id()]
                    = SeedCodes(ReadFile(kSeeds + "/" + source.file().substr(6)));
            }
        }
        for (const auto& row : p->rows())
        {
            ASSERT_GT(row.cite_size(), 0);
            for (const auto& cite : row.cite())
            {
                ASSERT_EQ(sourceCodes.count(cite.source()), 1u) << name << " row " << row.code();
                EXPECT_EQ(sourceCodes[cite.source()].count(row.code()), 1u)
                    << name << " row " << row.code() << " cites " << cite.source()
                    << ", whose table has no such row";
            }
        }
    }
}

TEST(Profiles, TheTwoPhoneReleasesDiffer)
{
    const auto later = Shipped("cisco-sip-phone");
    const auto earlier = Shipped("cisco-sip-phone-earlier");
    ASSERT_TRUE(later && earlier);
    EXPECT_EQ(later->release(), "6.x and 7.x");
    // 408 fail-safe only in 6.x/7.x; the earlier table stops at 407.
    EXPECT_EQ(CodeFor(*later, INVITE_EXPIRED), 408u);
    EXPECT_EQ(CodeFor(*earlier, INVITE_EXPIRED), 0u);
    EXPECT_EQ(FindRow(*earlier, 411), nullptr);
    EXPECT_EQ(ReceiptFor(*later, 411).action(), RESEND_WITH_CONTENT_LENGTH);
    EXPECT_EQ(ReceiptFor(*earlier, 411).action(), NOTIFY) << "the default applies";
    // "Received only in this release" / "See comments" in the earlier guide; "Yes" in 6.x/7.x.
    for (const uint32_t code : {403u, 405u, 407u})
    {
        EXPECT_TRUE(FindRow(*earlier, code)->received_only()) << code;
        EXPECT_FALSE(FindRow(*later, code)->received_only()) << code;
    }
    EXPECT_EQ(FindRow(*earlier, 406)->supported(), "See comments");
    EXPECT_EQ(FindRow(*later, 406)->supported(), "Yes");
}

TEST(Profiles, Lookups)
{
    const auto gw = Shipped("cpe-sip-gateway");
    ASSERT_NE(gw, nullptr);
    EXPECT_EQ(CodeFor(*gw, SDP_MISMATCH), 415u);
    EXPECT_EQ(CodeFor(*gw, NO_ANSWER_TIMEOUT), 408u);
    EXPECT_EQ(CodeFor(*gw, UNKNOWN_CALLEE), 404u);
    EXPECT_EQ(CodeFor(*gw, NO_CAPACITY), 503u);
    EXPECT_EQ(CodeFor(*gw, MALFORMED_REQUEST), 0u) << "the gateway never generates 400";
    EXPECT_EQ(ReceiptFor(*gw, 404).tone(), REORDER);
    EXPECT_EQ(ReceiptFor(*gw, 409).action(), ACK_AND_DISCONNECT);
    EXPECT_EQ(ReceiptFor(*gw, 599).action(), ACK_AND_DISCONNECT) << "default receipt";
    EXPECT_TRUE(SupportsAuth(*gw, BASIC));
    EXPECT_TRUE(IsTableRow(*gw, 415));
    EXPECT_FALSE(IsTableRow(*gw, 503));
    EXPECT_NE(FindRow(*gw, 503), nullptr);
    const auto phone = Shipped("cisco-sip-phone");
    ASSERT_NE(phone, nullptr);
    EXPECT_FALSE(SupportsAuth(*phone, BASIC));
    EXPECT_EQ(ReceiptFor(*phone, 413).otherwise().action(), NOTIFY);
    EXPECT_EQ(ReasonFor(*phone, 408), "Request Timeout");
}

TEST(Profiles, ProxyRowsGenerateOrForward)
{
    const auto sps = Shipped("cisco-sps");
    ASSERT_NE(sps, nullptr);
    EXPECT_EQ(sps->kind(), PROXY);
    EXPECT_EQ(sps->rows_size(), 46);
    // "Generates and forwards" rows and the conditions the proxy model produces them on.
    EXPECT_EQ(CodeFor(*sps, TRYING), 100u);
    EXPECT_EQ(CodeFor(*sps, REDIRECT_ONE), 302u);
    EXPECT_EQ(CodeFor(*sps, REDIRECT_SEVERAL), 300u);
    EXPECT_EQ(CodeFor(*sps, LOOP_DETECTED), 482u);
    EXPECT_EQ(CodeFor(*sps, TOO_MANY_HOPS), 483u);
    EXPECT_EQ(CodeFor(*sps, PREAUTH_FAILED), 480u);
    EXPECT_EQ(CodeFor(*sps, OVERLOAD), 503u);
    // 380 and 487: "No" in the table, never generated; every row but 100 is forwarded, and the
    // table's 503 is forwarded as it is (RFC 3261 16.7 would turn it into 500).
    EXPECT_EQ(FindRow(*sps, 380)->supported(), "No");
    EXPECT_EQ(FindRow(*sps, 380)->generate(), NEVER);
    EXPECT_EQ(FindRow(*sps, 487)->generate(), NEVER);
    EXPECT_EQ(ReceiptFor(*sps, 100).action(), NONE);
    for (const auto& row : sps->rows())
    {
        if (row.code() != 100)
        {
            EXPECT_EQ(ReceiptFor(*sps, row.code()).action(), FORWARD) << row.code();
        }
    }
    EXPECT_EQ(ReceiptFor(*sps, 503).forward_as(), 0u);
    // Phones honour Retry-After on 503 (beyond their tables).
    const auto phone = Shipped("cisco-sip-phone");
    ASSERT_NE(phone, nullptr);
    EXPECT_EQ(ReceiptFor(*phone, 503).action(), RETRY_AFTER);
    EXPECT_FALSE(IsTableRow(*phone, 503));
}

TEST(Profiles, SyntaxErrorsNameFileLineAndColumn)
{
    std::string error;
    EXPECT_EQ(ParseProfile("name: \"x\"\nkind: PHONE\nrowz { code: 400 }\n", "p.textproto", &error),
              nullptr);
    EXPECT_EQ(error.rfind("p.textproto:3:1: ", 0), 0u) << error;
    EXPECT_NE(error.find("rowz"), std::string::npos) << error;

    EXPECT_EQ(ParseProfile("name: \"x\"\nkind: TOASTER\n", "q.textproto", &error), nullptr);
    EXPECT_EQ(error.rfind("q.textproto:2:7: ", 0), 0u) << error;

    EXPECT_EQ(ParseProfile("name: \"x\"\nrows { code: 4x }\n", "r.textproto", &error), nullptr);
    EXPECT_EQ(error.rfind("r.textproto:2:", 0), 0u) << error;
}

TEST(Profiles, RuleViolationsAreListed)
{
    const std::string base = "name: \"x\" kind: PHONE\n"
                             "sources { id: \"s\" }\n"
                             "default_receipt { action: NOTIFY }\n";
    struct Case
    {
        std::string rows;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"rows { code: 404 generate: NEVER cite { source: \"s\" } }\n"
         "rows { code: 404 generate: NEVER cite { source: \"s\" } }",
         "row 404: the code appears more than once"},
        {"rows { code: 99 generate: NEVER cite { source: \"s\" } }", "row 99: not a status code"},
        {"rows { code: 404 generate: NEVER cite { source: \"t\" } }",
         "row 404: cites unknown source 't'"},
        {"rows { code: 404 generate: NEVER }", "row 404: cites nothing"},
        {"rows { code: 404 cite { source: \"s\" } }", "row 404: no generate condition"},
        {"rows { code: 404 generate: NEVER on_receipt { action: RETRY_WITH_CREDENTIALS "
         "otherwise { action: NOTIFY } } cite { source: \"s\" } }",
         "row 404: RETRY_WITH_CREDENTIALS answers 401 and 407 only"},
        {"rows { code: 413 generate: NEVER on_receipt { action: RETRY_AFTER } cite { source: \"s\" "
         "} }",
         "row 413: a retry action needs `otherwise`"},
        {"rows { code: 404 generate: UNKNOWN_CALLEE cite { source: \"s\" } }\n"
         "rows { code: 480 generate: UNKNOWN_CALLEE cite { source: \"s\" } }",
         "row 480: another row already generates on"},
        {"rows { code: 403 generate: UNKNOWN_CALLEE received_only: true cite { source: \"s\" } }",
         "row 403: received_only but generated"},
        {"codecs: \"PCMU\"", "codec 'PCMU': expected NAME/RATE"},
        {"rows { code: 486 generate: NEVER on_receipt { action: FORWARD } cite { source: \"s\" } }",
         "row 486: FORWARD is for PROXY profiles"},
    };
    for (const auto& c : cases)
    {
        std::string error;
        EXPECT_EQ(ParseProfile(base + c.rows, "bad.textproto", &error), nullptr) << c.rows;
        EXPECT_NE(error.find("bad.textproto: " + c.expected), std::string::npos)
            << "got: " << error << "\nwanted: " << c.expected;
    }
    std::string error;
    EXPECT_EQ(ParseProfile("rows { code: 404 generate: NEVER cite { source: \"RFC 3261\" } }",
                           "n.textproto", &error),
              nullptr);
    EXPECT_NE(error.find("the profile has no name"), std::string::npos);
    EXPECT_NE(error.find("row 404: no receipt action and no default_receipt"), std::string::npos);
}

/// docs/compliance/<name>.md is generated (tools/gen-compliance.sh); a stale page fails here.
TEST(ComplianceDocs, CommittedPagesAreCurrent)
{
    for (const auto& name : ShippedProfiles())
    {
        const auto p = Shipped(name);
        ASSERT_NE(p, nullptr);
        const auto fresh = RenderComplianceMarkdown(*p, "profiles/" + name + ".textproto");
        const auto committed = ReadFile(kSource + "/docs/compliance/" + name + ".md");
        EXPECT_EQ(committed, fresh)
            << "docs/compliance/" << name << ".md is stale: run tools/gen-compliance.sh";
    }
}

/// Every condition and receipt action has words: no "Generated: when ." or "On receipt: .".
TEST(ComplianceDocs, EveryConditionAndActionIsWorded)
{
    for (const auto& name : ShippedProfiles())
    {
        const auto p = Shipped(name);
        ASSERT_NE(p, nullptr);
        const auto page = RenderComplianceMarkdown(*p, "profiles/" + name + ".textproto");
        EXPECT_EQ(page.find("when ."), std::string::npos) << name;
        EXPECT_EQ(page.find("**On receipt:** ."), std::string::npos) << name;
        EXPECT_EQ(page.find("| when  |"), std::string::npos) << name;
    }
    for (int c = GenerateCondition_MIN; c <= GenerateCondition_MAX; ++c)
    {
        if (GenerateCondition_IsValid(c) && c != GENERATE_CONDITION_UNSPECIFIED)
        {
            EXPECT_FALSE(ConditionText(static_cast<GenerateCondition>(c)).empty())
                << GenerateCondition_Name(static_cast<GenerateCondition>(c));
        }
    }
    for (int a = ReceiptAction_MIN; a <= ReceiptAction_MAX; ++a)
    {
        if (ReceiptAction_IsValid(a) && a != RECEIPT_ACTION_UNSPECIFIED)
        {
            EXPECT_FALSE(ActionText(static_cast<ReceiptAction>(a)).empty())
                << ReceiptAction_Name(static_cast<ReceiptAction>(a));
        }
    }
}

TEST(ComplianceDocs, PageHasTheVendorColumnsAndEveryRow)
{
    const auto p = Shipped("cpe-sip-gateway");
    ASSERT_NE(p, nullptr);
    const auto page = RenderComplianceMarkdown(*p, "profiles/cpe-sip-gateway.textproto");
    EXPECT_NE(page.find("| Response | Supported? | Comments | Exercised by |"), std::string::npos);
    for (const auto& row : p->rows())
    {
        EXPECT_NE(page.find("\n| " + std::to_string(row.code()) + " " + row.reason() + " | Yes |"),
                  std::string::npos)
            << row.code();
    }
    EXPECT_NE(page.find("**RFC 3261 differs:**"), std::string::npos);
    EXPECT_NE(page.find("14 rows; "), std::string::npos);
}
