#include "services/registry/member_import_rules.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace chibo::registry {
namespace {

const absl::CivilDay kToday(2026, 3, 10);

v1::MemberRow GoodRow() {
  v1::MemberRow row;
  row.set_party_card_number("0123456");
  row.set_display_name("Nguyễn Văn An");
  row.set_cell_external_code("CB-1");
  row.set_status(v1::MEMBER_STATUS_FULL);
  row.set_joined_date("2020-05-19");
  return row;
}

TEST(MemberImportRulesTest, AcceptsAGoodRowAndKeysItByCardThenCode) {
  v1::MemberRow row = GoodRow();
  EXPECT_TRUE(ValidateMemberRow(row, kToday).ok());
  EXPECT_EQ(MemberRowKey(row), "0123456");
  row.clear_party_card_number();
  row.set_external_code("DV-7");
  EXPECT_TRUE(ValidateMemberRow(row, kToday).ok());
  EXPECT_EQ(MemberRowKey(row), "DV-7");
}

TEST(MemberImportRulesTest, EachBadFieldIsNamed) {
  struct Case {
    void (*mutate)(v1::MemberRow*);
    const char* prefix;
  } cases[] = {
      {[](v1::MemberRow* r) { r->clear_party_card_number(); },
       "party_card_number:"},
      {[](v1::MemberRow* r) { r->set_party_card_number("12a"); },
       "party_card_number:"},
      {[](v1::MemberRow* r) { r->set_external_code("a b"); }, "external_code:"},
      {[](v1::MemberRow* r) { r->clear_display_name(); }, "display_name:"},
      {[](v1::MemberRow* r) { r->set_citizen_id("12"); }, "citizen_id:"},
      {[](v1::MemberRow* r) { r->clear_cell_external_code(); },
       "cell_external_code:"},
      {[](v1::MemberRow* r) { r->set_status(v1::MEMBER_STATUS_UNSPECIFIED); },
       "status: is required"},
      {[](v1::MemberRow* r) {
         r->set_status(static_cast<v1::MemberStatus>(42));
       },
       "status: unknown value 42"},
      {[](v1::MemberRow* r) { r->set_joined_date("2026-03-11"); },
       "joined_date: 2026-03-11 is in the future"},
      {[](v1::MemberRow* r) { r->set_joined_date("10/03/2026"); },
       "joined_date:"},
  };
  for (const Case& c : cases) {
    v1::MemberRow row = GoodRow();
    c.mutate(&row);
    absl::Status status = ValidateMemberRow(row, kToday);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.prefix;
    EXPECT_TRUE(absl::StartsWith(status.message(), c.prefix))
        << status.message();
  }
}

TEST(MemberImportRulesTest, LaterRepeatsOfAnyNumberFail) {
  google::protobuf::RepeatedPtrField<v1::MemberRow> rows;
  *rows.Add() = GoodRow();
  *rows.Add() = GoodRow();  // the same card
  v1::MemberRow other = GoodRow();
  other.set_party_card_number("999");
  other.set_citizen_id("001234567890");
  *rows.Add() = other;
  other.set_party_card_number("998");  // the same citizen id as rows[2]
  *rows.Add() = other;
  const std::vector<std::string> repeated = FindRepeatedRows(rows);
  ASSERT_EQ(repeated.size(), 4u);
  EXPECT_EQ(repeated[0], "");
  EXPECT_EQ(repeated[1],
            "rows[1].party_card_number: \"0123456\" repeats rows[0]; a request "
            "names each member once");
  EXPECT_EQ(repeated[2], "");
  EXPECT_TRUE(absl::StartsWith(repeated[3], "rows[3].citizen_id:"))
      << repeated[3];
}

TEST(MemberImportRulesTest, ComparesWhatTheRowStates) {
  StoredMember stored;
  stored.party_card_number = "0123456";
  stored.external_code = "DV-1";
  stored.display_name = "Nguyễn Văn An";
  stored.cell_id = 5;
  stored.status = v1::MEMBER_STATUS_FULL;
  v1::MemberRow row = GoodRow();
  stored.birth_date = row.birth_date();
  EXPECT_FALSE(CompareMember(stored, row, 5).any());  // no code: kept
  row.set_external_code("DV-1");
  EXPECT_FALSE(CompareMember(stored, row, 5).any());
  EXPECT_TRUE(CompareMember(stored, row, 6).cell);
  row.set_status(v1::MEMBER_STATUS_EXEMPT);
  EXPECT_TRUE(CompareMember(stored, row, 5).status);
  row.set_display_name("Nguyễn Văn Ân");
  EXPECT_TRUE(CompareMember(stored, row, 5).identity);
}

}  // namespace
}  // namespace chibo::registry
