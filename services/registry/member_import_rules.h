#ifndef CHIBO_SERVICES_REGISTRY_MEMBER_IMPORT_RULES_H_
#define CHIBO_SERVICES_REGISTRY_MEMBER_IMPORT_RULES_H_

// The checks of a BulkUpsertMembers row that need no database: pure
// functions, unit-tested in tests/unit/registry.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "chibo/registry/v1/registry.pb.h"

namespace chibo::registry {

// "rows[3]": how errors name a row.
std::string RowLabel(int index);

// The row's key: its party card number, or else its external code.
const std::string& MemberRowKey(const v1::MemberRow& row);

// The row's shape: a key, identity fields as CreateMember checks them, a
// cell code, a known status, a joined date that is not after `today`.
// The message names the field without the row ("status: unknown value 9").
absl::Status ValidateMemberRow(const v1::MemberRow& row, absl::CivilDay today);

// For each row, empty or why it repeats an earlier row of the request: the
// same party card number, external code or citizen id. Only the later rows
// fail; the first keeps its chance.
std::vector<std::string> FindRepeatedRows(
    const google::protobuf::RepeatedPtrField<v1::MemberRow>& rows);

// What an import does to a member found by the row's key.
struct MemberChange {
  bool identity = false;  // display name, birth date, gender, numbers, code
  bool cell = false;      // a transfer from today
  bool status = false;    // a status change from today
  bool any() const { return identity || cell || status; }
};

// The stored member as an import compares it.
struct StoredMember {
  int64_t id = 0;
  int64_t version = 0;
  std::string party_card_number, external_code, citizen_id, display_name,
      birth_date;
  v1::Gender gender = v1::GENDER_UNSPECIFIED;
  int64_t cell_id = 0;  // today; 0 when in none
  v1::MemberStatus status = v1::MEMBER_STATUS_UNSPECIFIED;  // today
  // The newest period of each history starts after today (a transfer or a
  // status change dated ahead): an import does not rewrite it.
  bool future_membership = false;
  bool future_status = false;
};

MemberChange CompareMember(const StoredMember& stored, const v1::MemberRow& row,
                           int64_t cell_id);

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_MEMBER_IMPORT_RULES_H_
