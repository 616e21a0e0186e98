#include "common/auth/tls_config.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/auth/auth_internal.pb.h"
#include "common/auth/role.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/security/server_credentials.h"

namespace chibo::auth {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files) {
  if (files.cert_file.empty() && files.key_file.empty()) {
    if (!files.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls_client_ca_file needs --tls_cert_file and --tls_key_file");
    }
    return std::shared_ptr<grpc::ServerCredentials>();
  }
  if (files.cert_file.empty() || files.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert_file and --tls_key_file go together");
  }
  grpc::SslServerCredentialsOptions options;
  ASSIGN_OR_RETURN(std::string cert, ReadFile(files.cert_file));
  ASSIGN_OR_RETURN(std::string key, ReadFile(files.key_file));
  options.pem_key_cert_pairs.push_back({key, cert});
  if (!files.client_ca_file.empty()) {
    ASSIGN_OR_RETURN(options.pem_root_certs, ReadFile(files.client_ca_file));
    options.client_certificate_request =
        GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::map<std::string, CertificateIdentity>>
LoadCertificateIdentities(const std::string& path) {
  std::map<std::string, CertificateIdentity> identities;
  if (path.empty()) return identities;
  ASSIGN_OR_RETURN(std::string json, ReadFile(path));
  internal::CertificateIdentityFile file;
  google::protobuf::util::JsonParseOptions options;
  if (!google::protobuf::util::JsonStringToMessage(json, &file, options).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a certificate identity file"));
  }
  for (const auto& entry : file.identities()) {
    ASSIGN_OR_RETURN(Role role, ParseRole(entry.role()));
    RETURN_IF_ERROR(ValidateScope(role, entry.scope()));
    if (entry.common_name().empty() || entry.subject().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": every identity needs common_name and subject"));
    }
    identities[entry.common_name()] =
        CertificateIdentity{entry.subject(), entry.role(), entry.scope()};
  }
  return identities;
}

}  // namespace chibo::auth
