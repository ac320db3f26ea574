/*
 * Device behaviour profiles: loading (Protobuf text format with file:line:col errors), the
 * rules beyond the schema, and lookups.
 */
#include "profile/device-profile.h"

#include "profile/text-format-errors.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <set>
#include <sstream>

namespace sipsim {
namespace profile {

namespace {

bool
IsRetry(ReceiptAction action)
{
    return action == RETRY_WITH_CREDENTIALS || action == RETRY_AFTER
           || action == RESEND_WITH_CONTENT_LENGTH;
}

bool
ValidCodec(const std::string& codec)
{
    const auto slash = codec.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 >= codec.size())
    {
        return false;
    }
    for (size_t i = slash + 1; i < codec.size(); ++i)
    {
        if (codec[i] < '0' || codec[i] > '9')
        {
            return false;
        }
    }
    return true;
}

void
CheckReceipt(const Receipt& receipt, const std::string& where, uint32_t code,
             std::vector<std::string>* errors)
{
    const auto action = receipt.action();
    if (action == RETRY_WITH_CREDENTIALS && code != 401 && code != 407)
    {
        errors->push_back(where + ": RETRY_WITH_CREDENTIALS answers 401 and 407 only");
    }
    if (action == RESEND_WITH_CONTENT_LENGTH && code != 411)
    {
        errors->push_back(where + ": RESEND_WITH_CONTENT_LENGTH answers 411 only");
    }
    if (action == FORWARD && receipt.forward_as() != 0
        && (receipt.forward_as() < 100 || receipt.forward_as() > 699))
    {
        errors->push_back(where + ": forward_as is not a status code");
    }
    if (IsRetry(action))
    {
        if (!receipt.has_otherwise() || receipt.otherwise().action() == RECEIPT_ACTION_UNSPECIFIED)
        {
            errors->push_back(where
                              + ": a retry action needs `otherwise` (what happens when "
                                "it cannot retry)");
        }
        else if (IsRetry(receipt.otherwise().action()))
        {
            errors->push_back(where + ": `otherwise` must not be another retry");
        }
    }
}

} // namespace

std::shared_ptr<const DeviceProfile>
ParseProfile(std::string_view text, std::string_view fileName, std::string* error)
{
    auto profile = std::make_shared<DeviceProfile>();
    google::protobuf::TextFormat::Parser parser;
    TextFormatErrors collector(fileName, text);
    parser.RecordErrorsTo(&collector);
    if (!parser.ParseFromString(std::string(text), profile.get()))
    {
        if (error != nullptr)
        {
            *error = collector.Error().empty() ? std::string(fileName) + ": not a DeviceProfile"
                                               : collector.Error();
        }
        return nullptr;
    }
    const auto problems = ValidateProfile(*profile);
    if (!problems.empty())
    {
        if (error != nullptr)
        {
            std::string all;
            for (const auto& p : problems)
            {
                all += std::string(fileName) + ": " + p + "\n";
            }
            all.pop_back();
            *error = all;
        }
        return nullptr;
    }
    return profile;
}

std::shared_ptr<const DeviceProfile>
LoadProfile(const std::string& path, std::string* error)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        if (error != nullptr)
        {
            *error = path + ": cannot read the profile";
        }
        return nullptr;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return ParseProfile(text.str(), path, error);
}

std::string
FindProfileFile(std::string_view nameOrPath)
{
    const std::string name(nameOrPath);
    const auto exists = [](const std::string& p) { return std::ifstream(p).good(); };
    if (name.find('/') != std::string::npos
        || (name.size() > 10 && name.compare(name.size() - 10, 10, ".textproto") == 0))
    {
        return exists(name) ? name : std::string();
    }
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("SIPSIM_PROFILE_PATH"))
    {
        std::string_view rest(env);
        while (!rest.empty())
        {
            const auto colon = rest.find(':');
            const auto dir = rest.substr(0, colon);
            if (!dir.empty())
            {
                dirs.emplace_back(dir);
            }
            rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        }
    }
    // An installed program uses the profiles installed with it (bin/sipsim, or
    // libexec/sipsim/sipsim-core: share/sipsim/profiles of the same prefix), wherever the prefix
    // was moved; a program in the build tree has none there and uses the source tree's.
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec)
    {
        for (const char* up : {"..", "../.."})
        {
            const auto dir = exe.parent_path() / up / "share/sipsim/profiles";
            if (std::filesystem::is_directory(dir, ec))
            {
                dirs.emplace_back(dir.lexically_normal().string());
                break;
            }
        }
    }
    dirs.emplace_back(SIPSIM_SOURCE_PROFILE_DIR);
    dirs.emplace_back(SIPSIM_INSTALL_PROFILE_DIR);
    for (const auto& dir : dirs)
    {
        const auto candidate = dir + "/" + name + ".textproto";
        if (exists(candidate))
        {
            return candidate;
        }
    }
    return {};
}

std::shared_ptr<const DeviceProfile>
LoadProfileByName(std::string_view nameOrPath, std::string* error)
{
    const auto file = FindProfileFile(nameOrPath);
    if (file.empty())
    {
        if (error != nullptr)
        {
            *error = "profile '" + std::string(nameOrPath)
                     + "' not found (looked in $SIPSIM_PROFILE_PATH, " SIPSIM_SOURCE_PROFILE_DIR
                       " and " SIPSIM_INSTALL_PROFILE_DIR ")";
        }
        return nullptr;
    }
    return LoadProfile(file, error);
}

std::vector<std::string>
ValidateProfile(const DeviceProfile& profile)
{
    std::vector<std::string> errors;
    if (profile.name().empty())
    {
        errors.emplace_back("the profile has no name");
    }
    if (profile.kind() == DEVICE_KIND_UNSPECIFIED)
    {
        errors.emplace_back("the profile has no kind (PHONE, GATEWAY or PROXY)");
    }
    std::set<std::string> sources{"RFC 3261"};
    for (const auto& source : profile.sources())
    {
        if (source.id().empty() || !sources.insert(source.id()).second)
        {
            errors.push_back("source '" + source.id() + "': ids must be unique and not empty");
        }
    }
    const bool hasDefault = profile.has_default_receipt()
                            && profile.default_receipt().action() != RECEIPT_ACTION_UNSPECIFIED;
    if (hasDefault)
    {
        CheckReceipt(profile.default_receipt(), "default_receipt", 0, &errors);
    }
    std::set<uint32_t> codes;
    std::set<int> conditions;
    const auto checkRow = [&](const ResponseRow& row, const char* section) {
        const std::string where = std::string(section) + " " + std::to_string(row.code());
        if (row.code() < 100 || row.code() > 699)
        {
            errors.push_back(where + ": not a status code (100-699)");
        }
        if (!codes.insert(row.code()).second)
        {
            errors.push_back(where + ": the code appears more than once");
        }
        if (row.cite_size() == 0)
        {
            errors.push_back(where + ": cites nothing");
        }
        for (const auto& cite : row.cite())
        {
            if (sources.count(cite.source()) == 0)
            {
                errors.push_back(where + ": cites unknown source '" + cite.source() + "'");
            }
        }
        if (row.generate() == GENERATE_CONDITION_UNSPECIFIED)
        {
            errors.push_back(where + ": no generate condition (NEVER when it is not sent)");
        }
        else if (row.generate() != NEVER && !conditions.insert(row.generate()).second)
        {
            errors.push_back(where + ": another row already generates on "
                             + std::string(ConditionText(row.generate())));
        }
        if (row.received_only() && row.generate() != NEVER)
        {
            errors.push_back(where + ": received_only but generated");
        }
        if (row.on_receipt().action() == RECEIPT_ACTION_UNSPECIFIED)
        {
            if (!hasDefault)
            {
                errors.push_back(where + ": no receipt action and no default_receipt");
            }
        }
        else
        {
            CheckReceipt(row.on_receipt(), where, row.code(), &errors);
        }
    };
    for (const auto& row : profile.rows())
    {
        checkRow(row, "row");
    }
    for (const auto& row : profile.beyond_table())
    {
        checkRow(row, "beyond_table");
    }
    if (profile.kind() != PROXY)
    {
        for (const auto* rows : {&profile.rows(), &profile.beyond_table()})
        {
            for (const auto& row : *rows)
            {
                if (row.on_receipt().action() == FORWARD)
                {
                    errors.push_back("row " + std::to_string(row.code())
                                     + ": FORWARD is for PROXY profiles");
                }
            }
        }
    }
    for (const auto& codec : profile.codecs())
    {
        if (!ValidCodec(codec))
        {
            errors.push_back("codec '" + codec + "': expected NAME/RATE, e.g. PCMU/8000");
        }
    }
    return errors;
}

const ResponseRow*
FindRow(const DeviceProfile& profile, uint32_t code)
{
    for (const auto& row : profile.rows())
    {
        if (row.code() == code)
        {
            return &row;
        }
    }
    for (const auto& row : profile.beyond_table())
    {
        if (row.code() == code)
        {
            return &row;
        }
    }
    return nullptr;
}

bool
IsTableRow(const DeviceProfile& profile, uint32_t code)
{
    for (const auto& row : profile.rows())
    {
        if (row.code() == code)
        {
            return true;
        }
    }
    return false;
}

Receipt
ReceiptFor(const DeviceProfile& profile, uint32_t code)
{
    const auto* row = FindRow(profile, code);
    if (row != nullptr && row->on_receipt().action() != RECEIPT_ACTION_UNSPECIFIED)
    {
        return row->on_receipt();
    }
    return profile.default_receipt();
}

uint32_t
CodeFor(const DeviceProfile& profile, GenerateCondition condition)
{
    for (const auto& row : profile.rows())
    {
        if (row.generate() == condition)
        {
            return row.code();
        }
    }
    for (const auto& row : profile.beyond_table())
    {
        if (row.generate() == condition)
        {
            return row.code();
        }
    }
    return 0;
}

std::string
ReasonFor(const DeviceProfile& profile, uint32_t code)
{
    const auto* row = FindRow(profile, code);
    return row != nullptr ? row->reason() : std::string();
}

bool
SupportsAuth(const DeviceProfile& profile, AuthScheme scheme)
{
    for (const auto s : profile.auth_schemes())
    {
        if (s == scheme)
        {
            return true;
        }
    }
    return false;
}

std::string_view
ToneText(Tone tone)
{
    switch (tone)
    {
        case SILENCE:
            return "silence";
        case BUSY:
            return "busy";
        case FAST_BUSY:
            return "fast busy";
        case REORDER:
            return "reorder";
        case RINGBACK:
            return "ringback";
        default:
            return "";
    }
}

std::string_view
ActionText(ReceiptAction action)
{
    switch (action)
    {
        case NOTIFY:
            return "notify the user";
        case DISCONNECT:
            return "graceful disconnect";
        case ACK_AND_DISCONNECT:
            return "ACK and disconnect";
        case RETRY_WITH_CREDENTIALS:
            return "retry with credentials";
        case RETRY_AFTER:
            return "retry after Retry-After";
        case RESEND_WITH_CONTENT_LENGTH:
            return "resend with Content-Length";
        case NONE:
            return "nothing user-visible";
        case FORWARD:
            return "forwarded upstream (the best final response, RFC 3261 16.7)";
        default:
            return "";
    }
}

std::string_view
ConditionText(GenerateCondition condition)
{
    switch (condition)
    {
        case NEVER:
            return "never";
        case MALFORMED_REQUEST:
            return "a request is erroneous (it does not parse, or its SDP does not)";
        case UNKNOWN_CALLEE:
            return "the callee is unknown";
        case INVITE_EXPIRED:
            return "an incoming INVITE rang past its Expires with nothing from the network";
        case NO_ANSWER_TIMEOUT:
            return "the PSTN side did not answer before the no-answer timer";
        case SDP_MISMATCH:
            return "the SDP offer has no codec in common";
        case USER_BUSY:
            return "the user is busy or has do-not-disturb on";
        case NO_CAPACITY:
            return "every trunk channel is in use";
        case CANCELLED:
            return "the caller cancelled the INVITE";
        case DECLINED:
            return "the user declined the call";
        case TRYING:
            return "an INVITE arrives (RFC 3261 16.2)";
        case REQUEST_ACCEPTED:
            return "a REGISTER is accepted or a CANCEL matches its INVITE (RFC 3261 10.3, 16.10)";
        case REDIRECT_SEVERAL:
            return "in redirect mode, the AOR has several bindings (RFC 3261 21.3.1)";
        case REDIRECT_ONE:
            return "in redirect mode, the AOR has one binding (RFC 3261 21.3.3)";
        case REGISTRAR_CHALLENGE:
            return "a registrar with authentication gets a REGISTER without valid credentials "
                   "(RFC 3261 10.3 step 2)";
        case REGISTRAR_FORBIDDEN:
            return "the authenticated user may not change the AOR's bindings (RFC 3261 10.3 step "
                   "3)";
        case PROXY_CHALLENGE:
            return "proxy authentication is on and a request has no valid Proxy-Authorization "
                   "(RFC 3261 22.3)";
        case BRANCH_TIMEOUT:
            return "a branch times out: Timer C or the client transaction's timer (RFC 3261 16.7, "
                   "16.8)";
        case URI_TOO_LONG:
            return "the Request-URI is longer than the server accepts (RFC 3261 21.4.12)";
        case BAD_EXTENSION:
            return "Proxy-Require names an extension the proxy does not support (RFC 3261 16.3 "
                   "step 5)";
        case PREAUTH_FAILED:
            return "pre-authentication is on and the caller is not pre-authorized";
        case NO_MATCHING_TRANSACTION:
            return "a CANCEL matches no transaction (RFC 3261 16.10)";
        case LOOP_DETECTED:
            return "the request loops back to the proxy (RFC 3261 16.3 step 4)";
        case TOO_MANY_HOPS:
            return "Max-Forwards reaches zero (RFC 3261 16.3 step 3)";
        case SERVER_ERROR:
            return "a 503 from downstream is not forwarded (RFC 3261 16.7 step 6)";
        case NOT_IMPLEMENTED:
            return "the request's method is unknown to the proxy";
        case VERSION_NOT_SUPPORTED:
            return "the request's SIP version is not 2.0";
        case OVERLOAD:
            return "the overload policy rejects the request (RFC 3261 21.5.4, RFC 6357)";
        case METHOD_NOT_ALLOWED:
            return "a known method the configuration does not allow (RFC 3261 21.4.6)";
        default:
            return "";
    }
}

} // namespace profile
} // namespace sipsim
