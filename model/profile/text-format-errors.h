/*
 * Errors of Protobuf's text-format parser as "file:line:col: message", positioned on the
 * offending word: the parser reports an unknown field at the token after its name and an
 * unknown enum value at the next field. Shared by the profile and scenario loaders.
 */
#ifndef SIPSIM_TEXT_FORMAT_ERRORS_H
#define SIPSIM_TEXT_FORMAT_ERRORS_H

#include <algorithm>
#include <cctype>
#include <google/protobuf/io/tokenizer.h>
#include <string>
#include <string_view>

namespace sipsim {

/**
 * Collects the first error of the text-format parser as "file:line:col: message". The parser
 * reports some errors at the token after the culprit (an unknown field at its '{' or ':', an
 * unknown enum value at the next field); when the message quotes the culprit, the position is
 * moved back to where that word stands.
 */
class TextFormatErrors : public google::protobuf::io::ErrorCollector
{
  public:
    TextFormatErrors(std::string_view fileName, std::string_view text)
        : m_fileName(fileName)
        , m_text(text)
    {}

    void AddError(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override
    {
        if (!m_error.empty())
        {
            return;
        }
        Locate(message, &line, &column);
        // The tokenizer counts from 0; editors and compilers count from 1.
        m_error = m_fileName + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1)
                  + ": " + message;
    }

    const std::string& Error() const { return m_error; }

  private:
    /// Moves (line, column) back to the last whole-word occurrence of the quoted culprit.
    void Locate(const std::string& message, int* line, int* column) const
    {
        // The culprit is the last quoted word ("... has no field named \"rowz\"", "Unknown
        // enumeration value of \"TOASTER\" for field \"kind\"" names the value first).
        const bool enumValue = message.find("Unknown enumeration value") != std::string::npos;
        if (!enumValue && message.find("has no field named") == std::string::npos)
        {
            return;
        }
        size_t open;
        size_t close;
        if (enumValue)
        {
            open = message.find('"');
            close = open == std::string::npos ? open : message.find('"', open + 1);
        }
        else
        {
            close = message.rfind('"');
            open = close == std::string::npos || close == 0 ? std::string::npos
                                                            : message.rfind('"', close - 1);
        }
        if (open == std::string::npos || close == std::string::npos || close <= open + 1)
        {
            return;
        }
        const std::string word = message.substr(open + 1, close - open - 1);
        // Offset of the reported position (tabs count as one column here, as in the tokenizer
        // for files without tabs).
        size_t offset = 0;
        for (int l = 0; l < *line && offset < m_text.size(); ++l)
        {
            const auto nl = m_text.find('\n', offset);
            offset = nl == std::string_view::npos ? m_text.size() : nl + 1;
        }
        offset = std::min(m_text.size(), offset + static_cast<size_t>(*column));
        const auto isWord
            = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
        for (size_t at = m_text.rfind(word, offset); at != std::string_view::npos;
             at = at == 0 ? std::string_view::npos : m_text.rfind(word, at - 1))
        {
            const bool startOk = at == 0 || !isWord(m_text[at - 1]);
            const size_t end = at + word.size();
            const bool endOk = end >= m_text.size() || !isWord(m_text[end]);
            if (startOk && endOk)
            {
                const auto lineStart = m_text.rfind('\n', at == 0 ? 0 : at - 1);
                const size_t first
                    = at == 0 || lineStart == std::string_view::npos ? 0 : lineStart + 1;
                *line = static_cast<int>(std::count(m_text.begin(), m_text.begin() + at, '\n'));
                *column = static_cast<int>(at - first);
                return;
            }
        }
    }

    std::string m_fileName;
    std::string_view m_text;
    std::string m_error;
};

} // namespace sipsim

#endif // SIPSIM_TEXT_FORMAT_ERRORS_H
