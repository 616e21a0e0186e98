#include "tests/integration/auth/auth_fixture.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "common/auth/tls_config.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "common/testing/tree_builder.h"
#include "services/registry/registry_definition.h"
#include "services/scheduling/proto_codec.h"
#include "services/scheduling/scheduling_definition.h"
#include "services/scheduling/store.h"

namespace chibo::auth {

using registry::v1::Organization;

absl::StatusOr<std::unique_ptr<SecuredServers>> SecuredServers::Start(
    const TlsFiles* tls, std::map<std::string, CertificateIdentity> certs,
    bool production_scope_cache) {
  std::unique_ptr<SecuredServers> s(new SecuredServers());
  Key key = GenerateKey("test-key");
  key.signing = true;
  // Same key id, other secret: a forgery the servers must reject.
  Key forged = GenerateKey("test-key");
  forged.signing = true;
  ASSIGN_OR_RETURN(s->keys_, KeySet::Create({key}));
  ASSIGN_OR_RETURN(s->forged_keys_, KeySet::Create({forged}));

  testing::TestServiceOptions registry_options;
  registry_options.keys = s->keys_;
  registry_options.certificates = std::move(certs);
  registry_options.production_scope_cache = production_scope_cache;
  if (tls != nullptr) {
    ASSIGN_OR_RETURN(registry_options.credentials, MakeServerCredentials(*tls));
  }
  ASSIGN_OR_RETURN(s->registry_,
                   testing::TestService::Start(registry::RegistryDefinition(),
                                               std::move(registry_options)));
  // Scheduling asks the registry with its own service identity. With `tls`
  // its calls would fail, but the TLS tests call only the registry.
  testing::TestServiceOptions scheduling_options;
  scheduling_options.keys = s->keys_;
  scheduling_options.peer_ports["registry"] = s->registry_->port();
  scheduling_options.production_scope_cache = production_scope_cache;
  ASSIGN_OR_RETURN(s->scheduling_, testing::TestService::Start(
                                       scheduling::SchedulingDefinition(),
                                       std::move(scheduling_options)));
  s->served_ = {"chibo.registry.v1.RegistryService",
                "chibo.feed.v1.ChangeFeedService",
                "chibo.scheduling.v1.SchedulingService"};

  // The provinces go in through the registry's API as a system admin; over
  // TLS the client trusts the test CA (which signs the server too).
  std::shared_ptr<grpc::Channel> channel = s->registry_->channel();
  if (tls != nullptr) {
    grpc::SslCredentialsOptions ssl;
    ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(tls->client_ca_file));
    channel =
        grpc::CreateChannel(absl::StrCat("localhost:", s->registry_->port()),
                            grpc::SslCredentials(ssl));
  }
  auto registry = registry::v1::RegistryService::NewStub(channel);
  RETURN_IF_ERROR(s->BuildProvince("A", *registry, &s->a_));
  RETURN_IF_ERROR(s->BuildProvince("B", *registry, &s->b_));
  return s;
}

int SecuredServers::PortFor(const std::string& service) const {
  return service == "chibo.scheduling.v1.SchedulingService"
             ? scheduling_->port()
             : registry_->port();
}

SecuredServers::~SecuredServers() {
  scheduling_.reset();
  registry_.reset();
}

// A meeting rule for the cell, and a past meeting of it recorded with the
// member present and a task, written through the store as an admin (the
// records' checks against the registry are the scheduling tests' job).
absl::Status SecuredServers::BuildSchedulingResources(Province* out) {
  const CallContext call = testing::TestCall();
  scheduling::SchedulingStore store(&scheduling_->pool());
  const std::string& cell = out->by_collection.at("organizations");
  ASSIGN_OR_RETURN(const int64_t cell_id,
                   ParseResourceId(cell, "organizations", "cell"));
  ASSIGN_OR_RETURN(
      const int64_t member_id,
      ParseResourceId(out->by_collection.at("members"), "members", "member"));
  scheduling::v1::CreateMeetingRuleRequest rule_request;
  scheduling::v1::MeetingRule* rule = rule_request.mutable_rule();
  rule->set_organization(cell);
  rule->set_target(scheduling::v1::RULE_TARGET_CELL);
  scheduling::v1::MeetingRuleVersion* version = rule->add_versions();
  version->set_pattern(scheduling::v1::DAY_PATTERN_DAY_OF_MONTH);
  version->set_day_of_month(5);
  version->set_effective_from("2020-01-01");
  ASSIGN_OR_RETURN(scheduling::MeetingRule first,
                   scheduling::RuleFromProto(*version, "rule.versions[0]"));
  scheduling::v1::MeetingRule created_rule;
  RETURN_IF_ERROR(
      store.CreateRule(call, rule_request, cell_id, first, &created_rule));

  scheduling::v1::RecordMeetingRequest record_request;
  scheduling::v1::MeetingRecord* record = record_request.mutable_record();
  record->set_cell(cell);
  record->set_kind(scheduling::v1::MEETING_KIND_REGULAR);
  record->set_form(scheduling::v1::MEETING_FORM_IN_PERSON);
  scheduling::v1::Task* task = record->add_tasks();
  task->set_title("Thu đảng phí");
  task->set_assignee(out->by_collection.at("members"));
  task->set_due_date("2021-01-31");
  scheduling::NewRecord row;
  row.cell_id = cell_id;
  row.start = absl::CivilMinute(2021, 1, 5, 14, 0);
  row.end = absl::CivilMinute(2021, 1, 5, 16, 0);
  row.attendance.push_back(
      {member_id, scheduling::v1::ATTENDANCE_MARK_PRESENT, ""});
  scheduling::v1::MeetingRecord created_record;
  RETURN_IF_ERROR(
      store.RecordMeeting(call, record_request, row, &created_record));
  out->by_collection["meetingRules"] = created_rule.name();
  out->by_collection["meetings"] = created_record.name();
  out->by_collection["tasks"] = created_record.tasks(0).name();
  return absl::OkStatus();
}

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
// through the registry's API as a system admin.
absl::Status SecuredServers::BuildProvince(
    const std::string& tag, registry::v1::RegistryService::Stub& registry,
    Province* out) {
  testing::TreeBuilder tree(&registry, absl::StrCat("AUTH-", tag, "-"),
                            Token("system_admin", "*", "test:admin"));
  testing::TreeBuilder::ChainOptions options;
  options.province_name = absl::StrCat("Tỉnh ủy ", tag);
  options.bloc_name = "Đảng ủy Khối";
  options.cell_name = "Chi bộ Công ty";
  options.valid_from = "2020-01-01";
  options.category = registry::v1::CELL_CATEGORY_ENTERPRISE;
  const testing::TreeBuilder::Chain chain = tree.ProvinceBlocCell(options);
  const registry::v1::Member member =
      tree.Member(chain.cell.name(), absl::StrCat("Đảng viên ", tag),
                  registry::v1::MEMBER_STATUS_FULL, "2020-01-01");
  if (chain.cell.name().empty() || member.name().empty()) {
    return absl::InternalError(
        absl::StrCat("cannot build province ", tag, " (see above)"));
  }
  for (const Organization* org : {&chain.province, &chain.bloc, &chain.cell}) {
    out->organizations.insert(org->name());
  }

  registry::v1::CreatePositionRequest position_request;
  position_request.mutable_position()->set_organization(chain.cell.name());
  position_request.mutable_position()->set_member(member.name());
  position_request.mutable_position()->set_role(
      registry::v1::POSITION_ROLE_SECRETARY);
  position_request.mutable_position()->set_term_start("2020-01-01");
  registry::v1::Position position;
  grpc::Status status = registry.CreatePosition(tree.NewContext().get(),
                                                position_request, &position);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("CreatePosition: ", status.error_message()));
  }
  registry::v1::CreateCadreRequest cadre_request;
  cadre_request.mutable_cadre()->set_committee(chain.bloc.name());
  cadre_request.mutable_cadre()->set_member(member.name());
  cadre_request.mutable_cadre()->set_valid_from("2020-01-01");
  registry::v1::Cadre cadre;
  status = registry.CreateCadre(tree.NewContext().get(), cadre_request, &cadre);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("CreateCadre: ", status.error_message()));
  }
  out->by_collection = {{"organizations", chain.cell.name()},
                        {"members", member.name()},
                        {"positions", position.name()},
                        {"cadres", cadre.name()},
                        {"province", chain.province.name()}};
  out->code = chain.cell.external_code();
  out->bloc_code = chain.bloc.external_code();
  out->bloc = chain.bloc.name();
  out->cell_display_name = chain.cell.display_name();
  return BuildSchedulingResources(out);
}

std::unique_ptr<grpc::ClientContext> As(const std::string& token,
                                        absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

}  // namespace chibo::auth
