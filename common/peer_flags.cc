#include "common/peer_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

// The flags of one peer; see peer_flags.h.
#define CHIBO_PEER_FLAGS(peer)                                                 \
  ABSL_FLAG(std::string, peer##_address, "",                                   \
            "host:port of the " #peer " service, for services that call it."); \
  ABSL_FLAG(std::string, peer##_tls_ca_file, "",                               \
            "PEM CA that signs the " #peer                                     \
            " service's certificate: call it over TLS (plaintext if "          \
            "empty).");                                                        \
  ABSL_FLAG(std::string, peer##_tls_cert_file, "",                             \
            "PEM certificate chain presented to the " #peer                    \
            " service (mTLS); needs --" #peer "_tls_key_file.");               \
  ABSL_FLAG(std::string, peer##_tls_key_file, "",                              \
            "PEM private key of --" #peer "_tls_cert_file.");                  \
  ABSL_FLAG(std::string, peer##_tls_server_name, "",                           \
            "Name to verify in the " #peer                                     \
            " service's certificate instead of the host of --" #peer           \
            "_address.")

CHIBO_PEER_FLAGS(registry);
CHIBO_PEER_FLAGS(scheduling);
CHIBO_PEER_FLAGS(supervision);
CHIBO_PEER_FLAGS(evaluation);

namespace chibo {
namespace {

struct PeerFlags {
  const char* name;
  const absl::Flag<std::string>* address;
  const absl::Flag<std::string>* ca_file;
  const absl::Flag<std::string>* cert_file;
  const absl::Flag<std::string>* key_file;
  const absl::Flag<std::string>* server_name;
};

const PeerFlags kPeers[] = {
    {"registry", &FLAGS_registry_address, &FLAGS_registry_tls_ca_file,
     &FLAGS_registry_tls_cert_file, &FLAGS_registry_tls_key_file,
     &FLAGS_registry_tls_server_name},
    {"scheduling", &FLAGS_scheduling_address, &FLAGS_scheduling_tls_ca_file,
     &FLAGS_scheduling_tls_cert_file, &FLAGS_scheduling_tls_key_file,
     &FLAGS_scheduling_tls_server_name},
    {"supervision", &FLAGS_supervision_address, &FLAGS_supervision_tls_ca_file,
     &FLAGS_supervision_tls_cert_file, &FLAGS_supervision_tls_key_file,
     &FLAGS_supervision_tls_server_name},
    {"evaluation", &FLAGS_evaluation_address, &FLAGS_evaluation_tls_ca_file,
     &FLAGS_evaluation_tls_cert_file, &FLAGS_evaluation_tls_key_file,
     &FLAGS_evaluation_tls_server_name},
};

}  // namespace

const std::vector<std::string>& KnownPeers() {
  static const auto* names = [] {
    auto* out = new std::vector<std::string>();
    for (const PeerFlags& peer : kPeers) out->push_back(peer.name);
    return out;
  }();
  return *names;
}

absl::StatusOr<PeerConfig> PeerConfigFromFlags(absl::string_view peer) {
  for (const PeerFlags& flags : kPeers) {
    if (peer != flags.name) continue;
    PeerConfig config;
    config.name = flags.name;
    config.address = absl::GetFlag(*flags.address);
    config.tls.ca_file = absl::GetFlag(*flags.ca_file);
    config.tls.cert_file = absl::GetFlag(*flags.cert_file);
    config.tls.key_file = absl::GetFlag(*flags.key_file);
    config.tls.server_name = absl::GetFlag(*flags.server_name);
    return config;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "peers: unknown peer \"", peer, "\" (known: ",
      absl::StrJoin(KnownPeers(), ", "), "; add it in common/peer_flags.cc)"));
}

}  // namespace chibo
