#include "common/tree_view_feed.h"

#include <cppconn/prepared_statement.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/outbox.h"

namespace chibo {

bool ChangesAnOrganization(const feed::v1::Change& change) {
  return absl::StartsWith(change.resource(), "organizations/");
}

bool ChangesTheTree(const feed::v1::Change& change) {
  return ChangesAnOrganization(change) &&
         (change.action() == "moved" || change.action() == "deleted");
}

FeedConsumer::Apply ForgetChangedOrganizations() {
  return [](DbConnection& db, const feed::v1::Change& change) -> absl::Status {
    // Only a move or a deletion changes an ancestry; the rows forgotten
    // then differ from the registry's next answer, so the tree view writes
    // them again (it skips rows it believes unchanged).
    if (!ChangesTheTree(change)) return absl::OkStatus();
    const int64_t id = OrganizationIdOf(change);
    if (id <= 0) return absl::OkStatus();
    // ancestry is "/root/.../id/": the organisation and its subtree.
    sql::PreparedStatement& forget =
        db.Prepare("DELETE FROM known_organizations WHERE ancestry LIKE ?");
    forget.setString(1, absl::StrCat("%/", id, "/%"));
    forget.executeUpdate();
    return absl::OkStatus();
  };
}

}  // namespace chibo
