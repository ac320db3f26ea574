/*
 * sipsim parse: reads each file as one raw SIP message, as a UDP datagram would carry it.
 */
#include "commands.h"
#include "message/sip-parser.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace sipsim {
namespace cli {
namespace {

bool
ReadFile(const std::string& path, std::string* out, std::string* error)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        *error = std::strerror(errno);
        return false;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad())
    {
        *error = "read error";
        return false;
    }
    *out = ss.str();
    return true;
}

bool
ReadStdin(std::string* out)
{
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    *out = ss.str();
    return !std::cin.bad();
}

void
PrintJson(const std::string& file, const ParseResult& result)
{
    using Json = nlohmann::ordered_json;
    Json line;
    line["file"] = file;
    if (result.Ok())
    {
        const Message& m = result.GetMessage();
        line["valid"] = true;
        line["kind"] = m.IsRequest() ? "request" : "response";
        const CSeq* cseq = m.GetCSeq();
        line["method"] = m.IsRequest()     ? Json(std::string(m.GetMethodName()))
                         : cseq != nullptr ? Json(cseq->method)
                                           : Json(nullptr);
        line["status"] = m.IsRequest() ? Json(nullptr) : Json(m.GetStatusCode());
        line["error"] = nullptr;
        line["answer"] = nullptr;
    }
    else
    {
        const ParseError& e = result.GetError();
        line["valid"] = false;
        line["kind"] = e.isRequest ? "request" : "response";
        line["method"] = nullptr;
        line["status"] = nullptr;
        line["error"] = e.what;
        line["answer"] = e.answer == 0 ? Json(nullptr) : Json(e.answer);
    }
    // A file name or method that is not UTF-8 becomes U+FFFD: the line is always valid JSON.
    std::cout << line.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
}

} // namespace

int
RunParse(const std::vector<std::string>& files, bool json)
{
    int status = 0;
    for (const std::string& file : files)
    {
        std::string bytes;
        std::string error;
        const bool ok = file == "-" ? ReadStdin(&bytes) : ReadFile(file, &bytes, &error);
        if (!ok)
        {
            std::cerr << file << ": error: cannot read: " << error << '\n';
            status = 2;
            continue;
        }
        const ParseResult result = Parse(bytes, Framing::Datagram);
        if (!result.Ok() && status == 0)
        {
            status = 1;
        }
        if (json)
        {
            PrintJson(file, result);
        }
        else if (result.Ok())
        {
            std::cout << result.GetMessage().Serialize();
            if (files.size() > 1)
            {
                std::cout << '\n';
            }
        }
        else
        {
            const ParseError& e = result.GetError();
            std::cout << file << ": error: " << e.what;
            if (e.answer != 0)
            {
                std::cout << " (a server answers " << e.answer << ' ' << e.answerReason << ")\n";
            }
            else
            {
                std::cout << " (a response: dropped without an answer)\n";
            }
        }
    }
    return status;
}

} // namespace cli
} // namespace sipsim
