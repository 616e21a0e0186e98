#include "services/registry/member_import_rules.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/status_macros.h"
#include "services/registry/validation.h"

namespace chibo::registry {
namespace {

// ValidateNewMember names fields "member.x"; a row's fields are "x".
absl::Status AsRowField(const absl::Status& status) {
  if (status.ok()) return status;
  absl::string_view message = status.message();
  absl::ConsumePrefix(&message, "member.");
  return absl::Status(status.code(), message);
}

}  // namespace

std::string RowLabel(int index) { return absl::StrCat("rows[", index, "]"); }

const std::string& MemberRowKey(const v1::MemberRow& row) {
  return row.party_card_number().empty() ? row.external_code()
                                         : row.party_card_number();
}

absl::Status ValidateMemberRow(const v1::MemberRow& row, absl::CivilDay today) {
  if (row.party_card_number().empty() && row.external_code().empty()) {
    return absl::InvalidArgumentError(
        "party_card_number: a row needs a party card number or an external "
        "code");
  }
  RETURN_IF_ERROR(ValidateExternalCode(row.external_code(), "external_code"));
  v1::Member member;
  member.set_display_name(row.display_name());
  member.set_birth_date(row.birth_date());
  member.set_gender(row.gender());
  member.set_party_card_number(row.party_card_number());
  member.set_citizen_id(row.citizen_id());
  RETURN_IF_ERROR(AsRowField(ValidateNewMember(member)));
  if (row.cell_external_code().empty()) {
    return absl::InvalidArgumentError("cell_external_code: is required");
  }
  RETURN_IF_ERROR(
      ValidateExternalCode(row.cell_external_code(), "cell_external_code"));
  if (!v1::MemberStatus_IsValid(row.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat("status: unknown value ", static_cast<int>(row.status())));
  }
  if (row.status() == v1::MEMBER_STATUS_UNSPECIFIED) {
    return absl::InvalidArgumentError("status: is required");
  }
  ASSIGN_OR_RETURN(const absl::CivilDay joined,
                   ParseDateOr(row.joined_date(), "joined_date", today));
  if (joined > today) {
    return absl::InvalidArgumentError(
        absl::StrCat("joined_date: ", FormatDate(joined),
                     " is in the future (today is ", FormatDate(today), ")"));
  }
  return absl::OkStatus();
}

std::vector<std::string> FindRepeatedRows(
    const google::protobuf::RepeatedPtrField<v1::MemberRow>& rows) {
  std::vector<std::string> out(rows.size());
  std::map<std::string, int> cards, codes, citizens;
  for (int i = 0; i < rows.size(); ++i) {
    const v1::MemberRow& row = rows[i];
    struct Key {
      const std::string& value;
      std::map<std::string, int>* seen;
      const char* field;
    };
    for (const Key& key :
         {Key{row.party_card_number(), &cards, "party_card_number"},
          Key{row.external_code(), &codes, "external_code"},
          Key{row.citizen_id(), &citizens, "citizen_id"}}) {
      if (key.value.empty()) continue;
      auto [it, fresh] = key.seen->emplace(key.value, i);
      if (!fresh && out[i].empty()) {
        out[i] = absl::StrCat(RowLabel(i), ".", key.field, ": \"", key.value,
                              "\" repeats ", RowLabel(it->second),
                              "; a request names each member once");
      }
    }
  }
  return out;
}

MemberChange CompareMember(const StoredMember& stored, const v1::MemberRow& row,
                           int64_t cell_id) {
  MemberChange change;
  // An empty number or code in the row keeps the stored one: a provincial
  // system that has only one key does not erase the other.
  change.identity = stored.display_name != row.display_name() ||
                    stored.birth_date != row.birth_date() ||
                    stored.gender != row.gender() ||
                    (!row.party_card_number().empty() &&
                     stored.party_card_number != row.party_card_number()) ||
                    (!row.external_code().empty() &&
                     stored.external_code != row.external_code()) ||
                    stored.citizen_id != row.citizen_id();
  change.cell = stored.cell_id != cell_id;
  change.status = stored.status != row.status();
  return change;
}

}  // namespace chibo::registry
