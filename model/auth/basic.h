/*
 * sipsim: HTTP Basic authentication (RFC 7617), for device profiles that allow it.
 *
 * RFC 3261 section 22.1 forbids the Basic scheme in SIP ("MUST NOT"), and the user-agent core
 * answers Basic challenges only when UaConfig::allowBasicAuth is set: some deployed gateways
 * challenge with Basic and their compliance tables say they answer "according to the scheme
 * received".
 */

#ifndef SIPSIM_BASIC_H
#define SIPSIM_BASIC_H

#include "message/auth-header.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace sipsim {

/** \return true if the auth-scheme is "Basic" (case-insensitive, RFC 7617 section 2). */
bool IsBasic(const AuthHeaderValue& value);

/**
 * The credentials of RFC 7617 section 2: "Basic " followed by the base64 (RFC 4648 section 4,
 * with padding) of user-id ":" password, as the whole Authorization or Proxy-Authorization
 * header field value. The user-id should not contain ':' (RFC 7617 section 2); it is encoded
 * as given.
 * \param user the user-id
 * \param password the password
 * \return e.g. "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==" for "Aladdin", "open sesame"
 */
std::string BasicCredentials(std::string_view user, std::string_view password);

/**
 * Decodes Basic credentials: the scheme (case-insensitive), one or more spaces, the token68
 * (base64, padding optional), optional surrounding whitespace.
 * \param headerValue the Authorization or Proxy-Authorization header field value
 * \return (user-id, password), split at the first ':'; nullopt when the value is not Basic
 *         credentials, the base64 is invalid or the decoded text has no ':'
 */
std::optional<std::pair<std::string, std::string>> DecodeBasicCredentials(
    std::string_view headerValue);

/**
 * \param headerValue the Authorization or Proxy-Authorization header field value
 * \param user the expected user-id
 * \param password the expected password
 * \return true if headerValue is Basic credentials for exactly that user-id and password
 */
bool VerifyBasicCredentials(std::string_view headerValue, std::string_view user,
                            std::string_view password);

} // namespace sipsim

#endif // SIPSIM_BASIC_H
