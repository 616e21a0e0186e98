#ifndef CHIBO_COMMON_AUTH_TLS_CONFIG_H_
#define CHIBO_COMMON_AUTH_TLS_CONFIG_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/auth/token_authorizer.h"
#include "grpcpp/security/server_credentials.h"

namespace chibo::auth {

struct TlsFiles {
  std::string cert_file;       // PEM server certificate chain
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // PEM CA for client certificates (mTLS)
};

// Server credentials for `files`: plaintext when no certificate is given,
// TLS otherwise, and with a client CA, client certificates are requested
// and verified when presented (bearer-token clients need none).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files);

// Reads the certificate-identity map (see auth_internal.proto); each role
// and scope is validated.
absl::StatusOr<std::map<std::string, CertificateIdentity>>
LoadCertificateIdentities(const std::string& path);

absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace chibo::auth

#endif  // CHIBO_COMMON_AUTH_TLS_CONFIG_H_
