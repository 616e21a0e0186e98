#include "tests/integration/auth/auth_fixture.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/tls_config.h"
#include "common/log.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "services/registry/registry_scope_oracle.h"

namespace chibo {
const std::vector<Migration>& RegistryMigrations();
}

namespace chibo::auth {

using registry::v1::Organization;

absl::StatusOr<std::unique_ptr<SecuredServers>> SecuredServers::Start(
    const TlsFiles* tls, std::map<std::string, CertificateIdentity> certs) {
  SetMinLogLevel(LogLevel::kWarning);
  std::unique_ptr<SecuredServers> s(new SecuredServers());
  ASSIGN_OR_RETURN(s->db_, testing::TestDatabase::Create(RegistryMigrations()));
  Key key = GenerateKey("test-key");
  key.signing = true;
  // Same key id, other secret: a forgery the servers must reject.
  Key forged = GenerateKey("test-key");
  forged.signing = true;
  ASSIGN_OR_RETURN(s->keys_, KeySet::Create({key}));
  ASSIGN_OR_RETURN(s->forged_keys_, KeySet::Create({forged}));
  s->oracle_ = std::make_unique<registry::RegistryScopeOracle>(&s->db_->pool());
  s->authorizer_ = std::make_unique<TokenAuthorizer>(s->keys_, s->oracle_.get(),
                                                     std::move(certs));
  s->gate_ = std::make_unique<RpcGate>(s->authorizer_.get());
  s->store_ = std::make_unique<registry::RegistryStore>(&s->db_->pool());
  s->registry_ = std::make_unique<registry::RegistryServiceImpl>(
      s->store_.get(), s->gate_.get());
  const TokenAuthorizer* authorizer = s->authorizer_.get();
  s->feed_ = std::make_unique<ChangeFeedService>(
      &s->db_->pool(), s->gate_.get(),
      [authorizer](const Caller& caller, int64_t organization) {
        return authorizer->MaySee(caller, organization);
      },
      4, absl::Milliseconds(50));
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.shutdown_grace = absl::Seconds(1);
  if (tls != nullptr) {
    ASSIGN_OR_RETURN(options.credentials, MakeServerCredentials(*tls));
  }
  ASSIGN_OR_RETURN(s->server_,
                   StartServer(options, {s->registry_.get(), s->feed_.get()}));
  s->served_ = {"chibo.registry.v1.RegistryService",
                "chibo.feed.v1.ChangeFeedService"};
  RETURN_IF_ERROR(s->BuildProvince("A", &s->a_));
  RETURN_IF_ERROR(s->BuildProvince("B", &s->b_));
  return s;
}

SecuredServers::~SecuredServers() { server_.reset(); }

std::string SecuredServers::Token(const std::string& role,
                                  const std::string& scope,
                                  const std::string& subject) const {
  Claims claims;
  claims.subject = subject;
  claims.role = role;
  claims.scope = scope;
  claims.issued_at = absl::ToUnixSeconds(absl::Now());
  claims.expires_at = claims.issued_at + 3600;
  return *SignJwt(claims, keys_);
}

std::string SecuredServers::ForgedToken() const {
  Claims claims;
  claims.subject = "attacker";
  claims.role = "system_admin";
  claims.scope = "*";
  claims.issued_at = absl::ToUnixSeconds(absl::Now());
  claims.expires_at = claims.issued_at + 3600;
  return *SignJwt(claims, forged_keys_);
}

// Builds province > bloc > cell with a member, a position and a cadre,
// written through the store as an admin.
absl::Status SecuredServers::BuildProvince(const std::string& tag,
                                           Province* out) {
  const CallContext call = testing::TestCall();
  auto create = [&](const std::string& name, registry::v1::OrganizationLevel l,
                    const std::string& parent,
                    Organization* org) -> absl::Status {
    registry::v1::CreateOrganizationRequest request;
    request.mutable_organization()->set_display_name(name);
    request.mutable_organization()->set_level(l);
    request.mutable_organization()->set_parent(parent);
    request.mutable_organization()->set_valid_from("2020-01-01");
    request.mutable_organization()->set_external_code(
        absl::StrCat("AUTH-", tag, "-", static_cast<int>(l)));
    if (l == registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL) {
      request.mutable_organization()->set_category(
          registry::v1::CELL_CATEGORY_ENTERPRISE);
    }
    RETURN_IF_ERROR(store_->CreateOrganization(call, request, org));
    out->organizations.insert(org->name());
    return absl::OkStatus();
  };
  Organization province, bloc, cell;
  RETURN_IF_ERROR(create(absl::StrCat("Tỉnh ủy ", tag),
                         registry::v1::ORGANIZATION_LEVEL_PROVINCE, "",
                         &province));
  RETURN_IF_ERROR(create("Đảng ủy Khối", registry::v1::ORGANIZATION_LEVEL_BLOC,
                         province.name(), &bloc));
  RETURN_IF_ERROR(create("Chi bộ Công ty",
                         registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
                         bloc.name(), &cell));
  registry::v1::CreateMemberRequest member_request;
  member_request.mutable_member()->set_display_name(
      absl::StrCat("Đảng viên ", tag));
  registry::v1::Member member;
  member_request.set_status(registry::v1::MEMBER_STATUS_FULL);
  ASSIGN_OR_RETURN(const int64_t cell_id,
                   ParseResourceId(cell.name(), "organizations", "cell"));
  RETURN_IF_ERROR(store_->CreateMember(call, member_request, cell_id,
                                       absl::CivilDay(2020, 1, 1), &member));
  registry::v1::CreatePositionRequest position_request;
  position_request.mutable_position()->set_organization(cell.name());
  position_request.mutable_position()->set_member(member.name());
  position_request.mutable_position()->set_role(
      registry::v1::POSITION_ROLE_SECRETARY);
  position_request.mutable_position()->set_term_start("2020-01-01");
  registry::v1::Position position;
  RETURN_IF_ERROR(store_->CreatePosition(call, position_request, &position));
  registry::v1::CreateCadreRequest cadre_request;
  cadre_request.mutable_cadre()->set_committee(bloc.name());
  cadre_request.mutable_cadre()->set_member(member.name());
  cadre_request.mutable_cadre()->set_valid_from("2020-01-01");
  registry::v1::Cadre cadre;
  RETURN_IF_ERROR(store_->CreateCadre(call, cadre_request, &cadre));
  out->by_collection = {{"organizations", cell.name()},
                        {"members", member.name()},
                        {"positions", position.name()},
                        {"cadres", cadre.name()},
                        {"province", province.name()}};
  out->code = cell.external_code();
  return absl::OkStatus();
}

}  // namespace chibo::auth
