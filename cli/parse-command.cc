/*
 * sipsim parse: reads each file as one raw SIP message, as a UDP datagram would carry it.
 */
#include "commands.h"
#include "json-writer.h"
#include "message/sip-parser.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
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
    std::string line = "{\"file\":";
    AppendJsonString(&line, file);
    if (result.Ok())
    {
        const Message& m = result.GetMessage();
        line += ",\"valid\":true,\"kind\":";
        line += m.IsRequest() ? "\"request\"" : "\"response\"";
        line += ",\"method\":";
        if (m.IsRequest())
        {
            AppendJsonString(&line, m.GetMethodName());
        }
        else if (const CSeq* cseq = m.GetCSeq())
        {
            AppendJsonString(&line, cseq->method);
        }
        else
        {
            line += "null";
        }
        line += ",\"status\":";
        line += m.IsRequest() ? "null" : std::to_string(m.GetStatusCode());
        line += ",\"error\":null,\"answer\":null}";
    }
    else
    {
        const ParseError& e = result.GetError();
        line += ",\"valid\":false,\"kind\":";
        line += e.isRequest ? "\"request\"" : "\"response\"";
        line += ",\"method\":null,\"status\":null,\"error\":";
        AppendJsonString(&line, e.what);
        line += ",\"answer\":";
        line += e.answer == 0 ? "null" : std::to_string(e.answer);
        line += '}';
    }
    std::cout << line << '\n';
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
