// Annual plans: topics registered by cells and mandated by committees.

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/idempotency.h"
#include "common/outbox.h"
#include "common/resource_name.h"
#include "common/sql_rows.h"
#include "common/status_macros.h"
#include "services/scheduling/store.h"

namespace chibo::scheduling {
namespace {

void ReadTopic(sql::ResultSet& row, v1::Topic* out) {
  out->set_name(ResourceName("topics", row.getInt64("id")));
  out->set_organization(
      ResourceName("organizations", row.getInt64("organization_id")));
  out->set_year(row.getInt("year"));
  out->set_title(row.getString("title"));
  out->set_planned_month(row.getInt("planned_month"));
  out->set_preparer(row.getString("preparer"));
  out->set_mandated(row.getBoolean("mandated"));
  if (!row.isNull("target_categories")) {
    const std::string categories = row.getString("target_categories");
    for (absl::string_view c : absl::StrSplit(categories, ',')) {
      int category = 0;
      if (absl::SimpleAtoi(c, &category)) out->add_target_categories(category);
    }
  }
}

// A topic's target categories, in the same statement as the topic.
#define CHIBO_TOPIC_TARGETS                                     \
  "(SELECT GROUP_CONCAT(c.category ORDER BY c.category) FROM "  \
  "topic_target_categories c WHERE c.topic_id = topics.id) AS " \
  "target_categories"

}  // namespace

absl::Status SchedulingStore::CreateTopic(const CallContext& call,
                                          const v1::CreateTopicRequest& request,
                                          int64_t organization_id,
                                          bool mandated, v1::Topic* out) {
  return IdempotentWrite(
      *pool_, call, "creating a topic", request, out,
      [&](DbConnection& db) -> absl::Status {
        const v1::Topic& t = request.topic();
        sql::PreparedStatement& insert = db.Prepare(
            "INSERT INTO topics (organization_id, year, title, "
            "planned_month, preparer, mandated, created_by, create_time) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))");
        insert.setInt64(1, organization_id);
        insert.setInt(2, t.year());
        insert.setString(3, t.title());
        insert.setInt(4, t.planned_month());
        insert.setString(5, t.preparer());
        insert.setBoolean(6, mandated);
        insert.setString(7, call.caller.subject);
        insert.executeUpdate();
        const int64_t id = LastInsertId(db);
        sql::PreparedStatement& target = db.Prepare(
            "INSERT INTO topic_target_categories (topic_id, category) VALUES "
            "(?, ?)");
        for (int category : t.target_categories()) {
          target.setInt64(1, id);
          target.setInt(2, category);
          target.executeUpdate();
        }
        sql::PreparedStatement& query = db.Prepare(
            "SELECT id, organization_id, year, title, planned_month, "
            "preparer, mandated, " CHIBO_TOPIC_TARGETS
            " FROM topics WHERE id = ?");
        query.setInt64(1, id);
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        row->next();
        ReadTopic(*row, out);
        AppendChange(db, call, {out->name(), "created", organization_id, out});
        return absl::OkStatus();
      });
}

absl::Status SchedulingStore::ListTopics(
    const CallContext& call, const std::vector<int64_t>& organization_ids,
    int year, int64_t after_id, int limit, std::vector<v1::Topic>* out,
    bool* more) {
  return WithConnection(
      *pool_, call.deadline, "listing topics", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        // One statement for any number of organisations (ids as one JSON
        // array parameter).
        sql::PreparedStatement& query = db.Prepare(
            "SELECT id, organization_id, year, title, planned_month, "
            "preparer, mandated, " CHIBO_TOPIC_TARGETS
            " FROM JSON_TABLE(?, '$[*]' COLUMNS (wanted BIGINT PATH '$')) AS w"
            " JOIN topics ON topics.organization_id = w.wanted"
            " WHERE year = ? AND id > ? ORDER BY id");
        std::map<int64_t, v1::Topic> by_id;
        if (!organization_ids.empty()) {
          query.setString(1, JsonIdArray(organization_ids));
          query.setInt(2, year);
          query.setInt64(3, after_id);
          std::unique_ptr<sql::ResultSet> row(query.executeQuery());
          while (row->next()) ReadTopic(*row, &by_id[row->getInt64("id")]);
        }
        *more = false;
        for (auto& [id, topic] : by_id) {
          if (static_cast<int>(out->size()) == limit) {
            *more = true;
            break;
          }
          out->push_back(std::move(topic));
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<std::map<int64_t, std::set<int64_t>>>
SchedulingStore::TopicsHeld(const CallContext& call,
                            const std::vector<int64_t>& topic_ids) {
  std::map<int64_t, std::set<int64_t>> held;
  RETURN_IF_ERROR(WithConnection(
      *pool_, call.deadline, "reading held topics", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        for (int64_t topic : topic_ids) held[topic];
        if (topic_ids.empty()) return absl::OkStatus();
        sql::PreparedStatement& query = db.Prepare(
            "SELECT DISTINCT mt.topic_id, mt.cell_id "
            "FROM JSON_TABLE(?, '$[*]' COLUMNS (wanted BIGINT PATH '$')) AS w "
            "JOIN meeting_topics mt ON mt.topic_id = w.wanted");
        query.setString(1, JsonIdArray(topic_ids));
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        while (row->next()) {
          held[row->getInt64("topic_id")].insert(row->getInt64("cell_id"));
        }
        return absl::OkStatus();
      }));
  return held;
}

}  // namespace chibo::scheduling
