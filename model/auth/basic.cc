/*
 * sipsim: HTTP Basic authentication (RFC 7617), base64 by libcrypto.
 */

#include "auth/basic.h"

#include <cstddef>
#include <openssl/evp.h>
#include <vector>

namespace sipsim {

namespace {

constexpr std::string_view kScheme = "Basic";

bool
EqualsNoCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
    {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i)
    {
        const auto lower
            = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i]))
        {
            return false;
        }
    }
    return true;
}

bool
IsSpace(char c)
{
    return c == ' ' || c == '\t';
}

bool
IsBase64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
           || c == '/';
}

} // namespace

bool
IsBasic(const AuthHeaderValue& value)
{
    return EqualsNoCase(value.scheme, kScheme);
}

std::string
BasicCredentials(std::string_view user, std::string_view password)
{
    std::string userPass;
    userPass.reserve(user.size() + 1 + password.size());
    userPass += user;
    userPass += ':';
    userPass += password;
    // RFC 7617 section 2: base64 (RFC 4648 section 4) of user-pass; EVP_EncodeBlock writes the
    // padded encoding and a terminating NUL, without line breaks.
    std::vector<unsigned char> encoded(4 * ((userPass.size() + 2) / 3) + 1);
    const int length
        = EVP_EncodeBlock(encoded.data(), reinterpret_cast<const unsigned char*>(userPass.data()),
                          static_cast<int>(userPass.size()));
    std::string value(kScheme);
    value += ' ';
    value.append(reinterpret_cast<const char*>(encoded.data()), static_cast<size_t>(length));
    return value;
}

std::optional<std::pair<std::string, std::string>>
DecodeBasicCredentials(std::string_view headerValue)
{
    size_t pos = 0;
    while (pos < headerValue.size() && IsSpace(headerValue[pos]))
    {
        ++pos;
    }
    if (headerValue.size() - pos < kScheme.size()
        || !EqualsNoCase(headerValue.substr(pos, kScheme.size()), kScheme))
    {
        return std::nullopt;
    }
    pos += kScheme.size();
    if (pos >= headerValue.size() || !IsSpace(headerValue[pos]))
    {
        return std::nullopt; // "Basicx", or no token68
    }
    while (pos < headerValue.size() && IsSpace(headerValue[pos]))
    {
        ++pos;
    }
    size_t end = headerValue.size();
    while (end > pos && IsSpace(headerValue[end - 1]))
    {
        --end;
    }
    // token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (RFC 7235 2.1),
    // here restricted to the base64 alphabet.
    std::string token(headerValue.substr(pos, end - pos));
    size_t data = 0;
    while (data < token.size() && IsBase64(token[data]))
    {
        ++data;
    }
    size_t padding = token.size() - data;
    if (data == 0 || padding > 2 || token.find_first_not_of('=', data) != std::string::npos)
    {
        return std::nullopt;
    }
    // Padding is optional on input; EVP_DecodeBlock wants a multiple of 4 characters.
    while (token.size() % 4 != 0)
    {
        token += '=';
        ++padding;
    }
    if (padding > 2)
    {
        return std::nullopt; // 4n+1 characters: not base64
    }
    std::vector<unsigned char> decoded(token.size() / 4 * 3 + 1);
    const int length
        = EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(token.data()),
                          static_cast<int>(token.size()));
    if (length < 0 || static_cast<size_t>(length) < padding)
    {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts the bytes the padding stands for: drop them.
    const std::string userPass(reinterpret_cast<const char*>(decoded.data()),
                               static_cast<size_t>(length) - padding);
    const size_t colon = userPass.find(':');
    if (colon == std::string::npos)
    {
        return std::nullopt;
    }
    return std::make_pair(userPass.substr(0, colon), userPass.substr(colon + 1));
}

bool
VerifyBasicCredentials(std::string_view headerValue, std::string_view user,
                       std::string_view password)
{
    const auto decoded = DecodeBasicCredentials(headerValue);
    return decoded && decoded->first == user && decoded->second == password;
}

} // namespace sipsim
