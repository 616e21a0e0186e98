// Field-level probes of every RPC, hunting for ways out of a caller's scope
// (issue 9). Where the permission matrix aims whole requests at the other
// province, these change one field at a time in an otherwise valid,
// in-scope request:
// - every declared target and reference, and every other request field
//   that holds a resource name, gets an out-of-scope value and a missing
//   one: the two answers must be the same refusal (same code, same message
//   once the value is blanked) for every role, and change nothing (both
//   databases and both outboxes unchanged);
// - a member whose transfer into the caller's cell takes effect in the
//   future is, today, out of scope everywhere, and so are its feed events;
// - bulk rows mixing in- and out-of-scope targets (and parentless rows)
//   are refused whole;
// - an identity-number clash names no other member.
// A request field that looks like a resource name and is none of the
// above fails EveryResourceFieldIsProbedOrDeclared until it is declared
// in its contract or probed here.

#include <set>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "chibo/scheduling/v1/scheduling.pb.h"
#include "common/testing/metric_value.h"
#include "common/testing/tree_builder.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/integration/auth/auth_fixture.h"
#include "tests/integration/auth/matrix_support.h"

namespace chibo::auth {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

constexpr char kMissingId[] = "987654321";

// Request field names that hold resource names ("organizations/7",
// "members/3", ...) or organisation codes.
const std::set<std::string>& ResourceFieldNames() {
  static const auto* names = new std::set<std::string>{"name",
                                                       "parent",
                                                       "new_parent",
                                                       "ancestor",
                                                       "organization",
                                                       "cell",
                                                       "to_cell",
                                                       "member",
                                                       "committee",
                                                       "assignee",
                                                       "chair",
                                                       "secretary",
                                                       "topics",
                                                       "topic",
                                                       "rule",
                                                       "meeting",
                                                       "province",
                                                       "external_code",
                                                       "parent_external_code",
                                                       "preparer",
                                                       "recorded_by",
                                                       "position",
                                                       "cadre"};
  return *names;
}

// Fields that hold a resource name but need no scope check of their own,
// and why. Keyed "Method field".
const std::map<std::string, std::string>& NotProbed() {
  static const auto* fields = new std::map<std::string, std::string>{
      {"CreateOrganization organization.name", "output only"},
      {"CreateOrganization organization.province", "output only"},
      {"UpdateOrganization organization.parent",
       "refused in update_mask (MoveOrganization moves)"},
      {"UpdateOrganization organization.province", "output only"},
      {"UpdateOrganization organization.external_code",
       "a code, not a reference; unique (a clash is the code's owner's)"},
      {"CreateOrganization organization.external_code",
       "a code, not a reference; unique"},
      {"CreateMember member.name", "output only"},
      {"CreateMember member.external_code",
       "output only (set by BulkUpsertMembers)"},
      {"UpdateMember member.external_code",
       "output only (set by BulkUpsertMembers)"},
      {"BulkUpsertMembers rows.external_code",
       "the row's own member code, not a reference: the member it finds must "
       "be in the `organization` target's subtree today (handler, "
       "bulk_member_scope_test)"},
      {"CreateMember member.cell", "output only (the request's cell)"},
      {"UpdateMember member.cell", "output only (TransferMember moves)"},
      {"CreatePosition position.name", "output only"},
      {"UpdatePosition position.organization", "not in update_mask"},
      {"UpdatePosition position.member", "not in update_mask"},
      {"CreateCadre cadre.name", "output only"},
      {"CreateMeetingRule rule.name", "output only"},
      {"RecordMeeting record.name", "output only"},
      {"RecordMeeting record.rule", "output only"},
      {"RecordMeeting record.recorded_by", "output only"},
      {"RecordMeeting record.tasks.name", "output only"},
      {"RecordMeeting record.tasks.meeting", "output only"},
      {"RecordMeeting record.tasks.cell", "output only"},
      {"RecordMeeting record.topics",
       "must be a topic of the cell's plan (handler)"},
      {"UpdateMeetingRecord record.cell", "not in update_mask"},
      {"UpdateMeetingRecord record.tasks.name", "not in update_mask"},
      {"UpdateMeetingRecord record.tasks.meeting", "not in update_mask"},
      {"UpdateMeetingRecord record.tasks.cell", "not in update_mask"},
      {"UpdateMeetingRecord record.tasks.assignee", "not in update_mask"},
      {"UpdateMeetingRecord record.topics", "not in update_mask"},
      {"UpdateMeetingRecord record.rule", "output only"},
      {"UpdateMeetingRecord record.recorded_by", "output only"},
      {"UpdateTask task.meeting", "output only"},
      {"UpdateTask task.cell", "output only"},
      {"CreateTopic topic.name", "output only"},
      {"CreateTopic topic.preparer", "free text"},
  };
  return *fields;
}

// An in-scope request with one slot, "$P", for the probed value; "$A.x"
// and "$B.x" name province A's and B's resources (Province::by_collection,
// plus "bloc").
struct Probe {
  std::string method;      // "RegistryService/CreateCadre"
  std::string field;       // the probed path
  std::string collection;  // what $P holds
  std::string request;     // text format
  // True when the in-scope value must succeed (proves the template valid).
  bool in_scope_succeeds = true;
};

// A meeting of A's cell held in 2021 (an extra one: no nominal date), open
// for the probed fields; the member of A's cell present.
constexpr char kRecordOf[] = R"(record { cell: "$A.organizations"
    kind: MEETING_KIND_REGULAR form: MEETING_FORM_IN_PERSON
    start_time: "2021-02-05T14:00" end_time: "2021-02-05T16:00" )";
constexpr char kPresentA[] =
    R"(attendance { member: "$A.members" mark: ATTENDANCE_MARK_PRESENT } )";

const std::vector<Probe>& Probes() {
  static const auto* probes = new std::vector<Probe>{
      {"RegistryService/CreateCadre", "cadre.member", "members",
       R"(cadre { committee: "$A.bloc" member: "$P" title: "Ủy viên"
          valid_from: "2021-01-01" })"},
      {"RegistryService/CreatePosition", "position.member", "members",
       R"(position { organization: "$A.organizations" member: "$P"
          role: POSITION_ROLE_COMMITTEE_MEMBER term_start: "2021-01-01" })"},
      {"SchedulingService/UpdateTask", "task.assignee", "members",
       R"(task { name: "$A.tasks" assignee: "$P" }
          update_mask { paths: "assignee" })"},
      {"SchedulingService/UpdateTask", "task.assignee", "organizations",
       R"(task { name: "$A.tasks" assignee: "$P" }
          update_mask { paths: "assignee" })",
       false},
      {"SchedulingService/RecordMeeting", "record.tasks.assignee",
       "organizations",
       R"(record { cell: "$A.organizations" kind: MEETING_KIND_REGULAR
          form: MEETING_FORM_IN_PERSON start_time: "2021-02-05T14:00"
          end_time: "2021-02-05T16:00"
          tasks { title: "Báo cáo" assignee: "$P" due_date: "2021-03-01" } })",
       false},
      // The people of a meeting: members of its cell on the day held.
      {"SchedulingService/RecordMeeting", "record.chair", "members",
       std::string(kRecordOf) + R"(chair: "$P" )" + kPresentA + "}"},
      {"SchedulingService/RecordMeeting", "record.secretary", "members",
       std::string(kRecordOf) + R"(secretary: "$P" )" + kPresentA + "}"},
      {"SchedulingService/RecordMeeting", "record.attendance.member", "members",
       std::string(kRecordOf) +
           R"(attendance { member: "$P" mark: ATTENDANCE_MARK_PRESENT } })"},
      {"SchedulingService/RecordMeeting", "record.vote.ballots.member",
       "members",
       std::string(kRecordOf) + kPresentA +
           R"(vote { ballots { member: "$P" choice: VOTE_CHOICE_FOR } } })"},
      {"SchedulingService/RecordMeeting", "record.vote.exclusions.member",
       "members",
       std::string(kRecordOf) + kPresentA +
           R"(vote { votes_for: 1 exclusions { member: "$P"
              reason: VOTE_EXCLUSION_REASON_PROBATIONARY } } })"},
      {"SchedulingService/UpdateMeetingRecord", "record.chair", "members",
       R"(record { name: "$A.meetings" chair: "$P" agenda: "Sửa" }
          update_mask { paths: "agenda" })"},
      {"SchedulingService/UpdateMeetingRecord", "record.secretary", "members",
       R"(record { name: "$A.meetings" secretary: "$P" agenda: "Sửa" }
          update_mask { paths: "agenda" })"},
      {"SchedulingService/UpdateMeetingRecord", "record.attendance.member",
       "members",
       R"(record { name: "$A.meetings"
          attendance { member: "$P" mark: ATTENDANCE_MARK_PRESENT } }
          update_mask { paths: "attendance" })"},
      {"SchedulingService/UpdateMeetingRecord", "record.vote.exclusions.member",
       "members",
       R"(record { name: "$A.meetings" vote { votes_for: 1 exclusions {
          member: "$P" reason: VOTE_EXCLUSION_REASON_PROBATIONARY } } }
          update_mask { paths: "vote" })"},
      // Last: once the record has a vote, attendance alone is refused.
      {"SchedulingService/UpdateMeetingRecord", "record.vote.ballots.member",
       "members",
       R"(record { name: "$A.meetings"
          vote { ballots { member: "$P" choice: VOTE_CHOICE_FOR } } }
          update_mask { paths: "vote" })"},
  };
  return *probes;
}

const MethodDescriptor* FindMethod(const std::string& short_name) {
  for (const MethodDescriptor* method : AllMethods()) {
    if (absl::EndsWith(FullName(method), "." + short_name)) return method;
  }
  return nullptr;
}

// String fields of `message` (through chibo messages, a few levels deep)
// whose name says they hold a resource name.
void ResourceFields(const Descriptor* message, const std::string& prefix,
                    int depth, std::vector<std::string>* out) {
  if (depth > 3) return;
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* field = message->field(i);
    const std::string path = prefix.empty()
                                 ? field->name()
                                 : absl::StrCat(prefix, ".", field->name());
    if (field->type() == FieldDescriptor::TYPE_STRING &&
        ResourceFieldNames().count(field->name())) {
      out->push_back(path);
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE &&
               absl::StartsWith(field->message_type()->full_name(), "chibo.")) {
      ResourceFields(field->message_type(), path, depth + 1, out);
    }
  }
}

// A scoped caller of province A.
struct Role {
  std::string role;
  std::string scope_key;  // "province", "bloc" or "organizations" (the cell)
};

const std::vector<Role>& Roles() {
  static const auto* roles = new std::vector<Role>{
      {"integration", "province"},
      {"committee_office", "bloc"},
      {"cell_secretary", "organizations"},
      {"viewer", "province"},
  };
  return *roles;
}

std::string Lookup(const Province& province, const std::string& key) {
  if (key == "bloc") return province.bloc;
  auto it = province.by_collection.find(key);
  return it == province.by_collection.end() ? "" : it->second;
}

std::string Missing(const std::string& collection) {
  return absl::StrCat(collection, "/", kMissingId);
}

// The answer, with the probed value blanked so that two answers compare.
std::string Answer(const grpc::Status& status, const std::string& value) {
  return absl::StrCat(
      status.error_code(), " ",
      absl::StrReplaceAll(status.error_message(), {{value, "<value>"}}));
}

class FieldProbeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto servers = SecuredServers::Start();
    ASSERT_TRUE(servers.ok()) << servers.status();
    servers_ = *std::move(servers);
    auto stub = registry::v1::RegistryService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", servers_->port()),
                            grpc::InsecureChannelCredentials()));
    testing::TreeBuilder tree(stub.get(), "PROBE-",
                              servers_->Token("system_admin", "*"));
    // A member of B's cell whose transfer to A's cell takes effect in 2030.
    registry::v1::CreateMemberRequest create;
    create.set_cell(servers_->b().by_collection.at("organizations"));
    create.mutable_member()->set_display_name("Đảng viên chuyển đến");
    create.mutable_member()->set_citizen_id("203000000001");
    create.mutable_member()->set_party_card_number("9030000001");
    create.set_status(registry::v1::MEMBER_STATUS_FULL);
    create.set_joined_date("2020-01-01");
    registry::v1::Member future;
    grpc::Status created =
        stub->CreateMember(tree.NewContext().get(), create, &future);
    ASSERT_TRUE(created.ok()) << created.error_message();
    registry::v1::TransferMemberRequest transfer;
    transfer.set_member(future.name());
    transfer.set_to_cell(servers_->a().by_collection.at("organizations"));
    transfer.set_effective_date("2030-01-01");
    registry::v1::Member transferred;
    grpc::Status status =
        stub->TransferMember(tree.NewContext().get(), transfer, &transferred);
    ASSERT_TRUE(status.ok()) << status.error_message();
    future_member_ = new std::string(future.name());
  }
  static void TearDownTestSuite() {
    servers_.reset();
    delete future_member_;
  }
  void SetUp() override { ASSERT_NE(servers_, nullptr); }

  std::string TokenFor(const Role& role, const Province& province) const {
    return servers_->Token(role.role, Lookup(province, role.scope_key));
  }

  // Calls `method` with `request` as `token`; fails the test if the
  // databases or the outboxes changed, unless `may_change`.
  grpc::Status CallUnchanged(const MethodDescriptor* method,
                             const Message& request, const std::string& token,
                             const std::string& what) {
    const std::string before = Snapshot(*servers_);
    grpc::Status status =
        Call(PortOf(*servers_, method), method, request, token);
    EXPECT_EQ(Snapshot(*servers_), before)
        << what
        << " changed the database or the feed: " << status.error_message();
    return status;
  }

  static std::unique_ptr<SecuredServers> servers_;
  static std::string* future_member_;
};

std::unique_ptr<SecuredServers> FieldProbeTest::servers_;
std::string* FieldProbeTest::future_member_;

TEST_F(FieldProbeTest, EveryResourceFieldIsProbedOrDeclared) {
  for (const MethodDescriptor* method : AllMethods()) {
    const Permission* permission = Table().Find(FullName(method));
    ASSERT_NE(permission, nullptr) << FullName(method);
    std::set<std::string> covered;
    for (const Target& target : permission->targets) {
      covered.insert(target.path);
    }
    for (const Reference& reference : permission->references) {
      covered.insert(reference.path);
    }
    for (const Rows& rows : permission->rows) {
      covered.insert(absl::StrCat(rows.field, ".", rows.key));
      covered.insert(absl::StrCat(rows.field, ".", rows.parent));
    }
    for (const Probe& probe : Probes()) {
      if (absl::EndsWith(FullName(method), "." + probe.method)) {
        covered.insert(probe.field);
      }
    }
    std::vector<std::string> fields;
    ResourceFields(method->input_type(), "", 0, &fields);
    for (const std::string& field : fields) {
      if (covered.count(field)) continue;
      const std::string key = absl::StrCat(method->name(), " ", field);
      EXPECT_TRUE(NotProbed().count(key))
          << FullName(method) << " field " << field
          << " looks like a resource name but is neither a declared target "
             "or reference of its contract nor probed in this test";
    }
  }
}

// Each declared target in turn gets province B's resource, then a missing
// one; the other targets stay in A.
TEST_F(FieldProbeTest, OutOfScopeAndMissingTargetsGetTheSameRefusal) {
  for (const MethodDescriptor* method : AllMethods()) {
    const Permission* permission = Table().Find(FullName(method));
    if (permission == nullptr || UnscopedOnly(*permission)) continue;
    for (size_t t = 0; t < permission->targets.size(); ++t) {
      const Target& probed = permission->targets[t];
      // A code that does not exist names a row to create: the bulk test.
      if (probed.kind == TargetKind::kExternalCode) continue;
      for (const Role& role : Roles()) {
        const std::string token = TokenFor(role, servers_->a());
        std::string answers[2];
        const std::string values[2] = {
            servers_->b().by_collection.at(probed.collection),
            Missing(probed.collection)};
        for (int v = 0; v < 2; ++v) {
          std::unique_ptr<Message> request = NewRequest(method);
          for (size_t i = 0; i < permission->targets.size(); ++i) {
            const Target& target = permission->targets[i];
            if (target.kind == TargetKind::kExternalCode) continue;
            SetPath(request.get(), target.path,
                    i == t ? values[v]
                           : servers_->a().by_collection.at(target.collection));
          }
          grpc::Status status =
              CallUnchanged(method, *request, token,
                            absl::StrCat(FullName(method), " ", probed.path,
                                         "=", values[v], " as ", role.role));
          EXPECT_FALSE(status.ok()) << FullName(method) << " " << probed.path
                                    << "=" << values[v] << " as " << role.role;
          answers[v] = Answer(status, values[v]);
        }
        EXPECT_EQ(answers[0], answers[1])
            << FullName(method) << " " << probed.path << " as " << role.role
            << ": out of scope and missing answer differently";
      }
    }
  }
}

// References (fields that name a person or an organisation the call
// refers to) in an otherwise valid request.
TEST_F(FieldProbeTest, OutOfScopeAndMissingReferencesGetTheSameRefusal) {
  for (const Probe& probe : Probes()) {
    const MethodDescriptor* method = FindMethod(probe.method);
    ASSERT_NE(method, nullptr) << probe.method;
    auto build = [&](const std::string& value) {
      std::string text = probe.request;
      for (const auto& [collection, name] : servers_->a().by_collection) {
        absl::StrReplaceAll({{absl::StrCat("\"$A.", collection, "\""),
                              absl::StrCat("\"", name, "\"")}},
                            &text);
      }
      absl::StrReplaceAll(
          {{"\"$A.bloc\"", absl::StrCat("\"", servers_->a().bloc, "\"")},
           {"\"$P\"", absl::StrCat("\"", value, "\"")}},
          &text);
      std::unique_ptr<Message> request = NewRequest(method);
      EXPECT_TRUE(
          google::protobuf::TextFormat::ParseFromString(text, request.get()))
          << text;
      return request;
    };
    const std::string out_of_scope =
        servers_->b().by_collection.at(probe.collection);
    const std::string missing = Missing(probe.collection);
    for (const Role& role : Roles()) {
      const std::string token = TokenFor(role, servers_->a());
      const std::string what =
          absl::StrCat(probe.method, " ", probe.field, " as ", role.role);
      grpc::Status out = CallUnchanged(method, *build(out_of_scope), token,
                                       what + " (out of scope)");
      grpc::Status gone =
          CallUnchanged(method, *build(missing), token, what + " (missing)");
      // Refused by common/auth from the contract, before any handler.
      EXPECT_EQ(out.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << what << ": " << out.error_message();
      EXPECT_EQ(Answer(out, out_of_scope), Answer(gone, missing))
          << what << ": out of scope and missing answer differently";
      if (probe.collection == "members") {
        // A member whose transfer into A's cell is dated 2030 is not A's.
        grpc::Status future =
            CallUnchanged(method, *build(*future_member_), token,
                          what + " (transferred in the future)");
        EXPECT_EQ(Answer(future, *future_member_), Answer(gone, missing))
            << what << ": a future transfer answers unlike a missing member";
      }
      // Nothing of B but the probed value itself comes back.
      const std::string message =
          absl::StrReplaceAll(out.error_message(), {{out_of_scope, "<value>"}});
      for (const auto& [collection, name] : servers_->b().by_collection) {
        EXPECT_FALSE(absl::StrContains(message, name))
            << what << ": " << out.error_message();
      }
    }
    if (probe.in_scope_succeeds) {
      // The template is valid: in scope, the integration system succeeds.
      grpc::Status in =
          Call(PortOf(*servers_, method), method,
               *build(servers_->a().by_collection.at(probe.collection)),
               TokenFor(Roles()[0], servers_->a()));
      EXPECT_TRUE(in.ok()) << probe.method << " " << probe.field
                           << " in scope: " << in.error_message();
    }
  }
}

// A transfer into A's cell dated 2030 gives A nothing today: wherever a
// request names the member, A's roles get the answer a missing member gets.
TEST_F(FieldProbeTest, FutureTransferGivesTheReceivingCellNothingYet) {
  for (const MethodDescriptor* method : AllMethods()) {
    const Permission* permission = Table().Find(FullName(method));
    if (permission == nullptr || UnscopedOnly(*permission)) continue;
    for (size_t t = 0; t < permission->targets.size(); ++t) {
      if (permission->targets[t].collection != "members") continue;
      for (const Role& role : Roles()) {
        const std::string token = TokenFor(role, servers_->a());
        std::string answers[2];
        const std::string values[2] = {*future_member_, Missing("members")};
        for (int v = 0; v < 2; ++v) {
          std::unique_ptr<Message> request = NewRequest(method);
          for (size_t i = 0; i < permission->targets.size(); ++i) {
            const Target& target = permission->targets[i];
            if (target.kind == TargetKind::kExternalCode) continue;
            SetPath(request.get(), target.path,
                    i == t ? values[v]
                           : servers_->a().by_collection.at(target.collection));
          }
          grpc::Status status = CallUnchanged(
              method, *request, token,
              absl::StrCat(FullName(method), " future member as ", role.role));
          answers[v] = Answer(status, values[v]);
        }
        EXPECT_EQ(answers[0], answers[1])
            << FullName(method) << " as " << role.role
            << ": a member transferred in the future is treated unlike a "
               "missing one";
      }
    }
  }
  // Its cell today still has it.
  const MethodDescriptor* get = FindMethod("RegistryService/GetMember");
  registry::v1::GetMemberRequest request;
  request.set_name(*future_member_);
  grpc::Status today =
      Call(servers_->port(), get, request, TokenFor(Roles()[2], servers_->b()));
  EXPECT_TRUE(today.ok()) << today.error_message();
  // And A's feed shows nothing of it.
  auto feed = feed::v1::ChangeFeedService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", servers_->port()),
                          grpc::InsecureChannelCredentials()));
  for (const Role& role : Roles()) {
    grpc::ClientContext context;
    context.AddMetadata("authorization",
                        "Bearer " + TokenFor(role, servers_->a()));
    feed::v1::ListChangesRequest list;
    list.set_page_size(1000);
    feed::v1::ListChangesResponse page;
    ASSERT_TRUE(feed->ListChanges(&context, list, &page).ok());
    for (const feed::v1::Change& change : page.changes()) {
      EXPECT_NE(change.resource(), *future_member_)
          << role.role << " sees " << change.action() << " of the member";
      EXPECT_FALSE(absl::StrContains(change.payload_json(), "203000000001"))
          << role.role << " sees the member's citizen id in "
          << change.action();
    }
  }
}

// BulkUpsertOrganizations: each row's organisation and parent are checked;
// one row out of scope refuses the request, whatever the other rows are.
TEST_F(FieldProbeTest, BulkRowsAreCheckedOneByOne) {
  const MethodDescriptor* method =
      FindMethod("RegistryService/BulkUpsertOrganizations");
  ASSERT_NE(method, nullptr);
  const Province& a = servers_->a();
  const Province& b = servers_->b();
  auto row = [](registry::v1::BulkUpsertOrganizationsRequest* request,
                const std::string& code, registry::v1::OrganizationLevel level,
                const std::string& parent, const std::string& name) {
    registry::v1::OrganizationRow* r = request->add_rows();
    r->set_external_code(code);
    r->set_display_name(name);
    r->set_level(level);
    r->set_parent_external_code(parent);
    r->set_valid_from("2020-01-01");
    if (level == registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL ||
        level == registry::v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL) {
      r->set_category(registry::v1::CELL_CATEGORY_ENTERPRISE);
    }
  };
  auto unchanged_a_cell = [&](registry::v1::BulkUpsertOrganizationsRequest* r) {
    row(r, a.code, registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
        a.bloc_code, a.cell_display_name);
  };
  const std::string token =
      servers_->Token("integration", a.by_collection.at("province"));
  struct Case {
    std::string what;
    registry::v1::BulkUpsertOrganizationsRequest request;
  };
  std::vector<Case> refused;
  {
    Case c{"a new root, a bloc under it and an unchanged in-scope row", {}};
    row(&c.request, "PROBE-ROOT1", registry::v1::ORGANIZATION_LEVEL_PROVINCE,
        "", "Tỉnh ủy giả");
    row(&c.request, "PROBE-ROOT1-K", registry::v1::ORGANIZATION_LEVEL_BLOC,
        "PROBE-ROOT1", "Khối giả");
    unchanged_a_cell(&c.request);
    refused.push_back(c);
  }
  {
    Case c{"an in-scope row moved under B's bloc", {}};
    row(&c.request, a.code, registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
        b.bloc_code, a.cell_display_name);
    refused.push_back(c);
  }
  {
    Case c{"B's cell pulled under A's bloc", {}};
    unchanged_a_cell(&c.request);
    row(&c.request, b.code, registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
        a.bloc_code, b.cell_display_name);
    refused.push_back(c);
  }
  {
    Case c{"a new cell under B's bloc", {}};
    row(&c.request, "PROBE-NEW-B",
        registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL, b.bloc_code,
        "Chi bộ mới");
    refused.push_back(c);
  }
  {
    Case c{"a new cell under a parent that does not exist", {}};
    row(&c.request, "PROBE-NEW-B",
        registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL, "PROBE-NO-SUCH-CODE",
        "Chi bộ mới");
    refused.push_back(c);
  }
  for (const Case& c : refused) {
    grpc::Status status = CallUnchanged(method, c.request, token, c.what);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << c.what << ": " << status.error_message();
    EXPECT_FALSE(absl::StrContains(status.error_message(), b.bloc_code))
        << status.error_message();
  }
  // Out of scope and missing parents answer alike.
  EXPECT_EQ(Answer(CallUnchanged(method, refused[3].request, token, "B"),
                   b.bloc_code),
            Answer(CallUnchanged(method, refused[4].request, token, "none"),
                   "PROBE-NO-SUCH-CODE"));
  // In scope, a new committee and a cell under it in one request pass.
  registry::v1::BulkUpsertOrganizationsRequest fine;
  row(&fine, "PROBE-G", registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE,
      a.bloc_code, "Đảng bộ cơ sở mới");
  row(&fine, "PROBE-G-1", registry::v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL,
      "PROBE-G", "Chi bộ trực thuộc mới");
  unchanged_a_cell(&fine);
  std::string bytes;
  grpc::Status status =
      Call(servers_->port(), method, fine, token, nullptr, &bytes);
  ASSERT_TRUE(status.ok()) << status.error_message();
  registry::v1::BulkUpsertOrganizationsResponse response;
  ASSERT_TRUE(response.ParseFromString(bytes));
  ASSERT_EQ(response.results_size(), 3);
  for (const auto& result : response.results()) {
    EXPECT_NE(result.action(), registry::v1::UPSERT_ACTION_FAILED)
        << result.external_code() << ": " << result.error();
  }
}

// A clash on an identity number names no other member to a scoped caller,
// whether that member is in the caller's scope or not, and the refused
// attempt is in the feed.
TEST_F(FieldProbeTest, IdentityClashNamesNoOtherMember) {
  auto stub = registry::v1::RegistryService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", servers_->port()),
                          grpc::InsecureChannelCredentials()));
  testing::TreeBuilder admin(stub.get(), "CLASH-",
                             servers_->Token("system_admin", "*"));
  auto member = [&](const std::string& cell, const std::string& cid) {
    registry::v1::CreateMemberRequest create;
    create.set_cell(cell);
    create.mutable_member()->set_display_name("Đảng viên " + cid);
    create.mutable_member()->set_citizen_id(cid);
    create.set_status(registry::v1::MEMBER_STATUS_FULL);
    create.set_joined_date("2020-01-01");
    registry::v1::Member created;
    grpc::Status status =
        stub->CreateMember(admin.NewContext().get(), create, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created;
  };
  const std::string a_cell = servers_->a().by_collection.at("organizations");
  const registry::v1::Member mine = member(a_cell, "001000000001");
  const registry::v1::Member neighbour = member(a_cell, "001000000002");
  const registry::v1::Member foreign =
      member(servers_->b().by_collection.at("organizations"), "002000000001");
  const MethodDescriptor* update = FindMethod("RegistryService/UpdateMember");
  const std::string token = servers_->Token("cell_secretary", a_cell);
  std::string answers[2];
  int i = 0;
  for (const registry::v1::Member* other : {&neighbour, &foreign}) {
    registry::v1::UpdateMemberRequest request;
    request.mutable_member()->set_name(mine.name());
    request.mutable_member()->set_citizen_id(other->citizen_id());
    request.mutable_update_mask()->add_paths("citizen_id");
    const int64_t head_before = *servers_->db().QueryInt(
        "SELECT COALESCE(MAX(sequence), 0) FROM outbox");
    const int64_t members_before = *servers_->db().QueryInt(
        "SELECT COALESCE(SUM(version), 0) FROM members");
    grpc::Status status = Call(servers_->port(), update, request, token);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS)
        << status.error_message();
    EXPECT_FALSE(absl::StrContains(status.error_message(), "members/"))
        << status.error_message();
    answers[i++] = Answer(status, other->citizen_id());
    EXPECT_EQ(*servers_->db().QueryInt(
                  "SELECT COALESCE(SUM(version), 0) FROM members"),
              members_before);
    // One audit event of the refused attempt, on the caller's member,
    // naming no other member.
    EXPECT_EQ(*servers_->db().QueryInt(
                  "SELECT COALESCE(MAX(sequence), 0) FROM outbox"),
              head_before + 1);
    auto refused = servers_->db().QueryInt(
        "SELECT COUNT(*) FROM outbox WHERE action = 'identity_clash_refused'"
        " AND sequence = (SELECT MAX(sequence) FROM outbox)");
    EXPECT_TRUE(refused.ok() && *refused == 1);
  }
  EXPECT_EQ(answers[0], answers[1]);
}

// A past-dated listing shows an organisation as it was on that day (its
// parent then, no etag of today's record), and only to callers whose scope
// held it on that day.
TEST_F(FieldProbeTest, PastListingsShowThePastOnlyToItsScope) {
  auto stub = registry::v1::RegistryService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", servers_->port()),
                          grpc::InsecureChannelCredentials()));
  const std::string admin = servers_->Token("system_admin", "*");
  testing::TreeBuilder tree(stub.get(), "HIST-", admin);
  const Province& a = servers_->a();
  const registry::v1::Organization other_bloc = tree.Organization(
      "Đảng ủy Khối khác", registry::v1::ORGANIZATION_LEVEL_BLOC,
      a.by_collection.at("province"), "2020-01-01");
  const registry::v1::Organization x1 = tree.Organization(
      "Chi bộ X1", registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL, a.bloc,
      "2020-01-01", registry::v1::CELL_CATEGORY_ENTERPRISE, "cell");
  registry::v1::MoveOrganizationRequest move;
  move.set_name(x1.name());
  move.set_new_parent(other_bloc.name());
  move.set_effective_date("2025-01-01");
  registry::v1::Organization moved;
  grpc::Status status =
      stub->MoveOrganization(tree.NewContext().get(), move, &moved);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // And renamed and recoded today by its new committee's system.
  registry::v1::UpdateOrganizationRequest rename;
  rename.mutable_organization()->set_name(x1.name());
  rename.mutable_organization()->set_display_name("Chi bộ X1 (sau hợp nhất)");
  rename.mutable_organization()->set_external_code("HIST-X1-NEW");
  rename.mutable_update_mask()->add_paths("display_name");
  rename.mutable_update_mask()->add_paths("external_code");
  registry::v1::Organization renamed;
  status = stub->UpdateOrganization(tree.NewContext().get(), rename, &renamed);
  ASSERT_TRUE(status.ok()) << status.error_message();

  auto list = [&](const std::string& scope, const std::string& ancestor,
                  registry::v1::ListOrganizationsResponse* out) {
    grpc::ClientContext context;
    context.AddMetadata("authorization",
                        "Bearer " + servers_->Token("committee_office", scope));
    registry::v1::ListOrganizationsRequest request;
    request.set_ancestor(ancestor);
    request.set_as_of_date("2024-06-01");
    return stub->ListOrganizations(&context, request, out);
  };
  registry::v1::ListOrganizationsResponse then;
  status = list(a.bloc, a.bloc, &then);
  ASSERT_TRUE(status.ok()) << status.error_message();
  bool found = false;
  for (const registry::v1::Organization& org : then.organizations()) {
    if (org.name() != x1.name()) continue;
    found = true;
    EXPECT_EQ(org.parent(), a.bloc) << "the parent is today's, not 2024's";
    EXPECT_EQ(org.etag(), "") << "a past view carries today's etag";
    EXPECT_EQ(org.display_name(), x1.display_name()) << "today's name";
    EXPECT_EQ(org.external_code(), x1.external_code()) << "today's code";
  }
  EXPECT_TRUE(found) << x1.name() << " was under the bloc in 2024";
  // Today's listing has today's name and code.
  registry::v1::ListOrganizationsResponse now;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + admin);
    registry::v1::ListOrganizationsRequest request;
    request.set_ancestor(other_bloc.name());
    ASSERT_TRUE(stub->ListOrganizations(&context, request, &now).ok());
  }
  bool today_found = false;
  for (const registry::v1::Organization& org : now.organizations()) {
    if (org.name() != x1.name()) continue;
    today_found = true;
    EXPECT_EQ(org.display_name(), "Chi bộ X1 (sau hợp nhất)");
    EXPECT_EQ(org.external_code(), "HIST-X1-NEW");
  }
  EXPECT_TRUE(today_found);
  // The office that holds X1 today did not hold it in 2024.
  registry::v1::ListOrganizationsResponse theirs;
  status = list(other_bloc.name(), x1.name(), &theirs);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << theirs.organizations_size() << " organisations";
}

// The refused attempts' audit events with 16 clients at once: every one
// is ALREADY_EXISTS (no ABORTED or deadlock reaches a client) and each is
// recorded once.
TEST_F(FieldProbeTest, ConcurrentIdentityClashesAreEachRefusedAndAudited) {
  auto stub = registry::v1::RegistryService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", servers_->port()),
                          grpc::InsecureChannelCredentials()));
  testing::TreeBuilder admin(stub.get(), "CONC-",
                             servers_->Token("system_admin", "*"));
  const std::string a_cell = servers_->a().by_collection.at("organizations");
  registry::v1::CreateMemberRequest holder;
  holder.set_cell(servers_->b().by_collection.at("organizations"));
  holder.mutable_member()->set_display_name("Đảng viên giữ số");
  holder.mutable_member()->set_citizen_id("004000000001");
  holder.set_status(registry::v1::MEMBER_STATUS_FULL);
  holder.set_joined_date("2020-01-01");
  registry::v1::Member held;
  ASSERT_TRUE(stub->CreateMember(admin.NewContext().get(), holder, &held).ok());
  const MethodDescriptor* create = FindMethod("RegistryService/CreateMember");
  const std::string token = servers_->Token("cell_secretary", a_cell);
  const auto count = [&] {
    return *servers_->db().QueryInt(
        "SELECT COUNT(*) FROM outbox WHERE action = 'identity_clash_refused'");
  };
  const int64_t before = count();
  constexpr int kClients = 16;
  std::vector<grpc::Status> statuses(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      registry::v1::CreateMemberRequest request;
      request.set_cell(a_cell);
      request.mutable_member()->set_display_name(absl::StrCat("Người ", i));
      request.mutable_member()->set_citizen_id("004000000001");
      request.set_status(registry::v1::MEMBER_STATUS_FULL);
      request.set_joined_date("2020-01-01");
      statuses[i] = Call(servers_->port(), create, request, token);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const grpc::Status& status : statuses) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS)
        << status.error_message();
    EXPECT_FALSE(absl::StrContains(status.error_message(), "members/"));
  }
  EXPECT_EQ(count(), before + kClients);
}

constexpr char kListCellMembers[] =
    "chibo.registry.v1.RegistryService/ListCellMembers";

// Calls of `method` answered OK by the servers of this process.
double HandledOk(const std::string& method) {
  return testing::CounterValue("chibo_rpc_server_handled_total",
                               {{"method", method}, {"code", "OK"}});
}

// A meeting's record names many members (attendance, ballots): each row is
// checked against the cell's members on the day held, and one row of
// another province, of another cell in the caller's scope, or of nobody
// refuses the whole record with the same answer and no side effect. A
// member who has left the cell since (here: now in province B) was a member
// on the day, and passes.
TEST_F(FieldProbeTest, MeetingRecordRowsAreEachMembersOfTheCellThatDay) {
  auto stub = registry::v1::RegistryService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", servers_->port()),
                          grpc::InsecureChannelCredentials()));
  testing::TreeBuilder tree(stub.get(), "MIX-",
                            servers_->Token("system_admin", "*"));
  const Province& a = servers_->a();
  const Province& b = servers_->b();
  const registry::v1::Organization cell = tree.Organization(
      "Chi bộ đông người", registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
      a.bloc, "2020-01-01", registry::v1::CELL_CATEGORY_ENTERPRISE, "cell");
  ASSERT_FALSE(cell.name().empty());
  constexpr int kMembers = 30;
  std::vector<std::string> members;
  for (int i = 0; i < kMembers; ++i) {
    const registry::v1::Member m =
        tree.Member(cell.name(), absl::StrCat("Đảng viên ", i),
                    registry::v1::MEMBER_STATUS_FULL, "2020-01-01");
    ASSERT_FALSE(m.name().empty());
    members.push_back(m.name());
  }
  // The last one left for province B in 2022.
  registry::v1::TransferMemberRequest transfer;
  transfer.set_member(members.back());
  transfer.set_to_cell(b.by_collection.at("organizations"));
  transfer.set_effective_date("2022-01-01");
  registry::v1::Member moved;
  ASSERT_TRUE(
      stub->TransferMember(tree.NewContext().get(), transfer, &moved).ok());

  const MethodDescriptor* record =
      FindMethod("SchedulingService/RecordMeeting");
  const MethodDescriptor* update =
      FindMethod("SchedulingService/UpdateMeetingRecord");
  ASSERT_NE(record, nullptr);
  ASSERT_NE(update, nullptr);
  auto meeting = [&](const std::string& extra) {
    scheduling::v1::RecordMeetingRequest request;
    scheduling::v1::MeetingRecord* r = request.mutable_record();
    r->set_cell(cell.name());
    r->set_kind(scheduling::v1::MEETING_KIND_REGULAR);
    r->set_form(scheduling::v1::MEETING_FORM_IN_PERSON);
    r->set_start_time("2021-03-05T14:00");
    r->set_end_time("2021-03-05T16:00");
    for (const std::string& m : members) {
      scheduling::v1::Attendance* row = r->add_attendance();
      row->set_member(m);
      row->set_mark(scheduling::v1::ATTENDANCE_MARK_PRESENT);
    }
    if (!extra.empty()) {
      scheduling::v1::Attendance* row = r->add_attendance();
      row->set_member(extra);
      row->set_mark(scheduling::v1::ATTENDANCE_MARK_PRESENT);
    }
    return request;
  };
  const std::string values[3] = {b.by_collection.at("members"),
                                 Missing("members"),
                                 a.by_collection.at("members")};
  const std::vector<std::pair<std::string, std::string>> roles = {
      {"integration", a.by_collection.at("province")},
      {"committee_office", a.bloc},
      {"cell_secretary", cell.name()}};
  for (const auto& [role, scope] : roles) {
    const std::string token = servers_->Token(role, scope);
    std::string answers[3];
    for (int v = 0; v < 3; ++v) {
      grpc::Status status =
          CallUnchanged(record, meeting(values[v]), token,
                        absl::StrCat("RecordMeeting with ", values[v],
                                     " among ", kMembers, " as ", role));
      EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << role << " " << values[v] << ": " << status.error_message();
      answers[v] = Answer(status, values[v]);
    }
    EXPECT_EQ(answers[0], answers[1]) << role;
    EXPECT_EQ(answers[0], answers[2]) << role;
  }
  // All of the cell's members that day, the one now in B included. The
  // handler decides attendance on the roster admission checked: the
  // registry is asked for the cell's members at most once, not twice (not
  // at all while its feed head shows nothing written since the refused
  // attempts above asked: common/roster_cache.h).
  const double listed_before = HandledOk(kListCellMembers);
  std::string bytes;
  grpc::Status held =
      Call(PortOf(*servers_, record), record, meeting(""),
           servers_->Token("cell_secretary", cell.name()), nullptr, &bytes);
  ASSERT_TRUE(held.ok()) << held.error_message();
  EXPECT_LE(HandledOk(kListCellMembers) - listed_before, 1);
  scheduling::v1::MeetingRecord stored;
  ASSERT_TRUE(stored.ParseFromString(bytes));
  EXPECT_EQ(stored.attendance_size(), kMembers);

  // A correction mixing in someone else is refused the same way.
  for (int v = 0; v < 3; ++v) {
    scheduling::v1::UpdateMeetingRecordRequest correction;
    *correction.mutable_record()->mutable_attendance() =
        meeting(values[v]).record().attendance();
    correction.mutable_record()->set_name(stored.name());
    correction.mutable_update_mask()->add_paths("attendance");
    grpc::Status status = CallUnchanged(
        update, correction, servers_->Token("committee_office", a.bloc),
        absl::StrCat("UpdateMeetingRecord with ", values[v]));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << values[v] << ": " << status.error_message();
  }
  // A correction within the cell's members passes, asking the registry for
  // them at most once as well.
  scheduling::v1::UpdateMeetingRecordRequest correction;
  *correction.mutable_record()->mutable_attendance() =
      meeting("").record().attendance();
  correction.mutable_record()->mutable_attendance(0)->set_mark(
      scheduling::v1::ATTENDANCE_MARK_ABSENT_WITH_REASON);
  correction.mutable_record()->mutable_attendance(0)->set_reason("Ốm");
  correction.mutable_record()->set_name(stored.name());
  correction.mutable_update_mask()->add_paths("attendance");
  const double corrected_before = HandledOk(kListCellMembers);
  grpc::Status corrected =
      Call(PortOf(*servers_, update), update, correction,
           servers_->Token("committee_office", a.bloc), nullptr, &bytes);
  ASSERT_TRUE(corrected.ok()) << corrected.error_message();
  EXPECT_LE(HandledOk(kListCellMembers) - corrected_before, 1);
}

TEST_F(FieldProbeTest, TwoAuthorizationHeadersAreUnauthenticated) {
  auto stub = registry::v1::RegistryService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", servers_->port()),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("authorization",
                      "Bearer " + servers_->Token("system_admin", "*"));
  context.AddMetadata(
      "authorization",
      "Bearer " + servers_->Token("viewer",
                                  servers_->a().by_collection.at("province")));
  registry::v1::GetOrganizationRequest request;
  request.set_name(servers_->b().by_collection.at("organizations"));
  registry::v1::Organization org;
  grpc::Status status = stub->GetOrganization(&context, request, &org);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << status.error_message();
}

}  // namespace
}  // namespace chibo::auth
