#ifndef CHIBO_COMMON_PEER_FLAGS_H_
#define CHIBO_COMMON_PEER_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/peer_client.h"

namespace chibo {

// The peers a ServiceDefinition may list. Flags are declared statically,
// so each known peer has its flags declared here, in one place:
//   --<peer>_address          host:port
//   --<peer>_tls_ca_file      PEM CA of the peer's certificate: TLS on
//   --<peer>_tls_cert_file    our client certificate (mTLS), with
//   --<peer>_tls_key_file     its key
//   --<peer>_tls_server_name  name to verify instead of the address's host
// each also as CHIBO_<FLAG IN CAPITALS> (common/flags.h). A new peer is
// one line in peer_flags.cc and one row per flag in README.md.
const std::vector<std::string>& KnownPeers();

// `peer`'s configuration from its flags. INVALID_ARGUMENT for a peer that
// is not known; the address may be empty (the caller decides whether it is
// required).
absl::StatusOr<PeerConfig> PeerConfigFromFlags(absl::string_view peer);

}  // namespace chibo

#endif  // CHIBO_COMMON_PEER_FLAGS_H_
