#ifndef CHIBO_COMMON_TESTING_CERTIFICATES_H_
#define CHIBO_COMMON_TESTING_CERTIFICATES_H_

#include <string>

namespace chibo::testing {

// Makes, with openssl, in `dir`: a CA (ca.pem, ca.key), a server
// certificate for localhost and 127.0.0.1 (server.pem, server.key) and two
// client certificates, "scheduling.chibo" (scheduling.pem/.key) and
// "stranger.chibo" (stranger.pem/.key). False if openssl failed.
bool MakeTestCertificates(const std::string& dir);

}  // namespace chibo::testing

#endif  // CHIBO_COMMON_TESTING_CERTIFICATES_H_
