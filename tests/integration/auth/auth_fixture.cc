#include "tests/integration/auth/auth_fixture.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/permissions.h"
#include "common/auth/tls_config.h"
#include "common/log.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "services/registry/registry_scope_oracle.h"
#include "services/scheduling/proto_codec.h"
#include "services/scheduling/scheduling_scope_oracle.h"

namespace chibo {
const std::vector<Migration>& RegistryMigrations();
const std::vector<Migration>& SchedulingMigrations();
}  // namespace chibo

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
  // As ServiceRuntime does: every served RPC must declare its permission.
  options.check_services = CheckServedServices;
  if (tls != nullptr) {
    ASSIGN_OR_RETURN(options.credentials, MakeServerCredentials(*tls));
  }
  ASSIGN_OR_RETURN(s->server_,
                   StartServer(options, {s->registry_.get(), s->feed_.get()}));
  RETURN_IF_ERROR(s->StartScheduling());
  s->served_ = {"chibo.registry.v1.RegistryService",
                "chibo.feed.v1.ChangeFeedService",
                "chibo.scheduling.v1.SchedulingService"};
  RETURN_IF_ERROR(s->BuildProvince("A", &s->a_));
  RETURN_IF_ERROR(s->BuildProvince("B", &s->b_));
  return s;
}

absl::Status SecuredServers::StartScheduling() {
  ASSIGN_OR_RETURN(scheduling_db_,
                   testing::TestDatabase::Create(SchedulingMigrations()));
  identity_ = std::make_unique<ServiceIdentity>("scheduling", keys_);
  registry_client_ = std::make_unique<RegistryClient>(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                          grpc::InsecureChannelCredentials()),
      identity_.get());
  scheduling_oracle_ = std::make_unique<scheduling::SchedulingScopeOracle>(
      &scheduling_db_->pool(), registry_client_.get());
  scheduling_authorizer_ = std::make_unique<TokenAuthorizer>(
      keys_, scheduling_oracle_.get(),
      std::map<std::string, CertificateIdentity>{});
  scheduling_gate_ = std::make_unique<RpcGate>(scheduling_authorizer_.get());
  scheduling_store_ =
      std::make_unique<scheduling::SchedulingStore>(&scheduling_db_->pool());
  directory_ = std::make_unique<scheduling::OrgDirectory>(
      &scheduling_db_->pool(), registry_client_.get());
  scheduling_ = std::make_unique<scheduling::SchedulingServiceImpl>(
      scheduling_store_.get(), directory_.get(), scheduling_gate_.get());
  const TokenAuthorizer* authorizer = scheduling_authorizer_.get();
  scheduling_feed_ = std::make_unique<ChangeFeedService>(
      &scheduling_db_->pool(), scheduling_gate_.get(),
      [authorizer](const Caller& caller, int64_t organization) {
        return authorizer->MaySee(caller, organization);
      },
      4, absl::Milliseconds(50));
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.shutdown_grace = absl::Seconds(1);
  // As ServiceRuntime does: every served RPC must declare its permission.
  options.check_services = CheckServedServices;
  ASSIGN_OR_RETURN(
      scheduling_server_,
      StartServer(options, {scheduling_.get(), scheduling_feed_.get()}));
  return absl::OkStatus();
}

int SecuredServers::PortFor(const std::string& service) const {
  return service == "chibo.scheduling.v1.SchedulingService"
             ? scheduling_server_->port()
             : server_->port();
}

SecuredServers::~SecuredServers() {
  scheduling_server_.reset();
  server_.reset();
}

// A meeting rule for the cell, and a past meeting of it recorded with the
// member present and a task, written through the store as an admin (the
// records' checks against the registry are the scheduling tests' job).
absl::Status SecuredServers::BuildSchedulingResources(Province* out) {
  const CallContext call = testing::TestCall();
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
  RETURN_IF_ERROR(scheduling_store_->CreateRule(call, rule_request, cell_id,
                                                first, &created_rule));

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
  RETURN_IF_ERROR(scheduling_store_->RecordMeeting(call, record_request, row,
                                                   &created_record));
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
  return BuildSchedulingResources(out);
}

}  // namespace chibo::auth
