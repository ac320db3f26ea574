/*
 * Markdown rendering of a device profile: the vendor table's columns, then what the model does
 * beyond the table.
 */
#include "profile/compliance-table.h"

#include <sstream>

namespace sipsim {
namespace profile {

namespace {

/// Table cells must not break the Markdown table.
std::string
Cell(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (const char c : text)
    {
        if (c == '|')
        {
            out += "\\|";
        }
        else if (c == '\n')
        {
            out += ' ';
        }
        else
        {
            out += c;
        }
    }
    return out;
}

std::string
DescribeReceipt(const Receipt& receipt)
{
    std::string text(ActionText(receipt.action()));
    if (receipt.tone() != TONE_UNSPECIFIED)
    {
        text += ", the user hears ";
        text += ToneText(receipt.tone());
    }
    if (receipt.notify_user())
    {
        text += ", the status is shown";
    }
    if (receipt.forward_as() != 0)
    {
        text += " as " + std::to_string(receipt.forward_as());
    }
    if (receipt.has_otherwise() && receipt.otherwise().action() != RECEIPT_ACTION_UNSPECIFIED)
    {
        text += "; otherwise ";
        text += DescribeReceipt(receipt.otherwise());
    }
    return text;
}

std::string
DescribeCitations(const ResponseRow& row)
{
    std::string text;
    for (const auto& cite : row.cite())
    {
        if (!text.empty())
        {
            text += "; ";
        }
        text += cite.source();
        if (!cite.where().empty())
        {
            text += cite.source() == "RFC 3261" ? " " + cite.where() : ", \"" + cite.where() + "\"";
        }
    }
    return text;
}

std::string
Comments(const DeviceProfile& profile, const ResponseRow& row)
{
    std::string text = row.comment();
    text += "<br>**Generated:** ";
    if (row.generate() == NEVER)
    {
        text += row.received_only() ? "never (received only in this release)" : "never";
    }
    else
    {
        text += "when ";
        text += ConditionText(row.generate());
    }
    text += ". **On receipt:** ";
    if (row.on_receipt().action() == RECEIPT_ACTION_UNSPECIFIED)
    {
        text += "the default: " + DescribeReceipt(profile.default_receipt());
    }
    else
    {
        text += DescribeReceipt(row.on_receipt());
    }
    text += ".";
    if (!row.rfc_deviation().empty())
    {
        text += "<br>**RFC 3261 differs:** " + row.rfc_deviation() + " The profile wins.";
    }
    text += "<br>*Source: " + DescribeCitations(row) + ".*";
    return text;
}

std::string_view
KindText(DeviceKind kind)
{
    switch (kind)
    {
        case PHONE:
            return "phone (sipsim::SipPhone)";
        case GATEWAY:
            return "gateway (sipsim::SipGateway)";
        case PROXY:
            return "proxy";
        default:
            return "unspecified";
    }
}

} // namespace

std::string
RenderComplianceMarkdown(const DeviceProfile& profile, const std::string& sourceFile)
{
    std::ostringstream md;
    md << "<!-- Generated from " << sourceFile << " by `sipsim profile doc " << sourceFile
       << "`. Do not edit: edit the profile and run `tools/gen-compliance.sh`. -->\n\n";
    md << "# " << profile.device() << ": SIP response compliance";
    if (!profile.release().empty())
    {
        md << " (release " << profile.release() << ")";
    }
    md << "\n\n";
    md << "Profile `" << profile.name() << "`, a " << KindText(profile.kind()) << ", read from `"
       << sourceFile << "`.";
    if (!profile.description().empty())
    {
        md << " " << profile.description();
    }
    md << "\n\n";
    md << "Sources:\n\n";
    for (const auto& source : profile.sources())
    {
        md << "- **" << source.id() << "**: " << source.title();
        if (!source.location().empty())
        {
            md << ", " << source.location();
        }
        md << "\n";
    }
    md << "\n## The vendor table\n\n";
    md << "The same columns as the vendor's table; the comments are the profile's reading of "
          "it, with what the model generates and does on receipt.\n\n";
    md << "| Response | Supported? | Comments | Exercised by |\n";
    md << "|---|---|---|---|\n";
    size_t exercised = 0;
    for (const auto& row : profile.rows())
    {
        std::string by;
        for (const auto& e : row.exercised_by())
        {
            by += by.empty() ? "" : "<br>";
            by += "`scenarios/" + e.scenario() + "`";
            for (const auto& set : e.set())
            {
                by += " `--set " + set + "`";
            }
            by += std::string(": ") + (e.sends() ? "sent" : "received") + " by `" + e.node() + "`";
        }
        exercised += row.exercised_by_size() > 0 ? 1 : 0;
        md << "| " << row.code() << " " << Cell(row.reason()) << " | " << Cell(row.supported())
           << " | " << Cell(Comments(profile, row)) << " | " << (by.empty() ? "not yet" : by)
           << " |\n";
    }
    md << "\n"
       << profile.rows_size() << " rows; " << exercised
       << " exercised by a shipped scenario whose run shows the row (the test "
          "`tests/scenario/compliance-rows-test.cc` runs each and looks for it in the trace).\n";
    if (profile.beyond_table_size() > 0)
    {
        md << "\n## Beyond the vendor table\n\n";
        md << "Responses the table does not list, as the model handles them.\n\n";
        md << "| Response | Generated | On receipt | Source |\n";
        md << "|---|---|---|---|\n";
        for (const auto& row : profile.beyond_table())
        {
            md << "| " << row.code() << " " << Cell(row.reason()) << " | "
               << Cell(row.generate() == NEVER
                           ? std::string("never")
                           : "when " + std::string(ConditionText(row.generate())))
               << " | " << Cell(DescribeReceipt(ReceiptFor(profile, row.code()))) << " | "
               << Cell(DescribeCitations(row)) << " |\n";
        }
    }
    md << "\n## Any other final response\n\n";
    md << "A 3xx-6xx response to an INVITE that matches no row: "
       << DescribeReceipt(profile.default_receipt()) << ".\n";
    md << "\n## Device settings\n\n";
    md << "- Codecs, in preference order: ";
    for (int i = 0; i < profile.codecs_size(); ++i)
    {
        md << (i > 0 ? ", " : "") << "`" << profile.codecs(i) << "`";
    }
    md << "\n- Authentication schemes answered: ";
    for (int i = 0; i < profile.auth_schemes_size(); ++i)
    {
        md << (i > 0 ? ", " : "") << AuthScheme_Name(profile.auth_schemes(i));
    }
    md << "\n";
    if (profile.kind() == PHONE)
    {
        md << "- INVITE Expires default: ";
        if (profile.settings().invite_expires_s() == 0)
        {
            md << "none (an INVITE without Expires rings until the caller gives up)";
        }
        else
        {
            md << profile.settings().invite_expires_s() << " s";
        }
        md << "\n";
    }
    if (profile.kind() == GATEWAY)
    {
        md << "- No-answer timer toward the PSTN: " << profile.settings().no_answer_timeout_s()
           << " s\n";
    }
    return md.str();
}

} // namespace profile
} // namespace sipsim
