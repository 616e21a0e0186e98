// Annual plans: topic registrations, mandated topics, plan completion.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/paging.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "services/scheduling/proto_codec.h"
#include "services/scheduling/scheduling_service.h"

namespace chibo::scheduling {
namespace {

absl::Status CheckYear(int year, absl::string_view field) {
  if (year < 1990 || year > 2200) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be 1990..2200"));
  }
  return absl::OkStatus();
}

// A mandated topic's target categories: known, listed once; none for a
// cell's own topic.
absl::Status CheckTargets(const v1::Topic& topic, bool mandated) {
  std::set<int> seen;
  for (int i = 0; i < topic.target_categories_size(); ++i) {
    const std::string field = absl::StrCat("topic.target_categories[", i, "]");
    const int category = topic.target_categories(i);
    if (!mandated) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": only a committee's mandated topic names targets"));
    }
    if (category < 1 || category > 6) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", category,
          " is not a cell category (the registry's CellCategory 1..6)"));
    }
    if (!seen.insert(category).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", category, " is listed twice"));
    }
  }
  return absl::OkStatus();
}

std::vector<int> Targets(const v1::Topic& topic) {
  return {topic.target_categories().begin(), topic.target_categories().end()};
}

int64_t TopicOrganization(const v1::Topic& topic) {
  auto id = ParseResourceId(topic.organization(), "organizations", "topic");
  return id.ok() ? *id : 0;
}

}  // namespace

grpc::Status SchedulingServiceImpl::CreateTopic(
    grpc::ServerContext* context, const v1::CreateTopicRequest* request,
    v1::Topic* response) {
  return gate_->Serve(
      context, Method("CreateTopic"), *request,
      [&](const CallContext& call) -> absl::Status {
        if (!request->has_topic()) {
          return absl::InvalidArgumentError("topic: is required");
        }
        const v1::Topic& topic = request->topic();
        ASSIGN_OR_RETURN(const int64_t org_id,
                         ParseResourceId(topic.organization(), "organizations",
                                         "topic.organization"));
        RETURN_IF_ERROR(CheckYear(topic.year(), "topic.year"));
        if (topic.title().empty()) {
          return absl::InvalidArgumentError("topic.title: is required");
        }
        RETURN_IF_ERROR(CheckText(topic.title(), "topic.title", 1024));
        if (topic.planned_month() < 1 || topic.planned_month() > 12) {
          return absl::InvalidArgumentError(
              "topic.planned_month: must be 1..12");
        }
        RETURN_IF_ERROR(CheckText(topic.preparer(), "topic.preparer", 512));
        ASSIGN_OR_RETURN(OrgInfo org,
                         directory_->Get(call, org_id, "topic.organization"));
        RETURN_IF_ERROR(CheckTargets(topic, !org.is_cell));
        return store_->CreateTopic(call, *request, org_id, !org.is_cell,
                                   response);
      });
}

grpc::Status SchedulingServiceImpl::ListTopics(
    grpc::ServerContext* context, const v1::ListTopicsRequest* request,
    v1::ListTopicsResponse* response) {
  return gate_->Serve(
      context, Method("ListTopics"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t org_id,
                         ParseResourceId(request->organization(),
                                         "organizations", "organization"));
        RETURN_IF_ERROR(CheckYear(request->year(), "year"));
        ASSIGN_OR_RETURN(const int limit,
                         NormalizePageSize(request->page_size()));
        const PageTokens page(call.method, "topics", *request);
        ASSIGN_OR_RETURN(PageCursor cursor, page.Decode(request->page_token()));
        ASSIGN_OR_RETURN(OrgInfo org,
                         directory_->Get(call, org_id, "organization"));
        // A cell's plan includes what the committees above it mandated.
        const std::vector<int64_t> sources =
            org.is_cell ? org.ancestors : std::vector<int64_t>{org_id};
        std::vector<v1::Topic> topics;
        bool more = false;
        RETURN_IF_ERROR(store_->ListTopics(call, sources, request->year(),
                                           cursor.after_id, limit, &topics,
                                           &more));
        for (v1::Topic& topic : topics) {
          // A cell's plan: only the mandated topics that target it.
          if (org.is_cell && topic.mandated() &&
              !TopicTargetsCell(Targets(topic), org.category)) {
            continue;
          }
          *response->add_topics() = std::move(topic);
        }
        if (more) {
          response->set_next_page_token(
              page.After(response->topics().rbegin()->name()));
        }
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::GetPlanCompletion(
    grpc::ServerContext* context, const v1::GetPlanCompletionRequest* request,
    v1::PlanCompletion* response) {
  return gate_->Serve(
      context, Method("GetPlanCompletion"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t org_id,
                         ParseResourceId(request->organization(),
                                         "organizations", "organization"));
        RETURN_IF_ERROR(CheckYear(request->year(), "year"));
        ASSIGN_OR_RETURN(std::vector<OrgInfo> cells,
                         directory_->CellsUnder(call, org_id, "organization"));
        std::set<int64_t> sources;
        for (const OrgInfo& cell : cells) {
          sources.insert(cell.ancestors.begin(), cell.ancestors.end());
        }
        std::vector<v1::Topic> topics;
        bool more = false;
        RETURN_IF_ERROR(store_->ListTopics(
            call, std::vector<int64_t>(sources.begin(), sources.end()),
            request->year(), 0, 1000000, &topics, &more));
        std::vector<int64_t> topic_ids;
        for (const v1::Topic& topic : topics) {
          topic_ids.push_back(*ParseResourceId(topic.name(), "topics", "name"));
        }
        ASSIGN_OR_RETURN(auto held, store_->TopicsHeld(call, topic_ids));

        response->set_organization(request->organization());
        response->set_year(request->year());
        response->set_cells(static_cast<int>(cells.size()));
        std::map<int64_t, v1::MandatedTopicCompletion> mandated;
        for (const OrgInfo& cell : cells) {
          v1::CellPlan* plan = response->add_by_cell();
          plan->set_cell(ResourceName("organizations", cell.id));
          const std::set<int64_t> above(cell.ancestors.begin(),
                                        cell.ancestors.end());
          for (size_t i = 0; i < topics.size(); ++i) {
            const v1::Topic& topic = topics[i];
            if (above.count(TopicOrganization(topic)) == 0) continue;
            if (topic.mandated() &&
                !TopicTargetsCell(Targets(topic), cell.category)) {
              continue;
            }
            const bool done = held[topic_ids[i]].count(cell.id) > 0;
            plan->set_topics_planned(plan->topics_planned() + 1);
            if (done) plan->set_topics_held(plan->topics_held() + 1);
            if (topic.mandated()) {
              v1::MandatedTopicCompletion& m = mandated[topic_ids[i]];
              m.set_topic(topic.name());
              m.set_title(topic.title());
              m.set_cells(m.cells() + 1);
              if (done) m.set_cells_held(m.cells_held() + 1);
            }
          }
          response->set_topics_planned(response->topics_planned() +
                                       plan->topics_planned());
          response->set_topics_held(response->topics_held() +
                                    plan->topics_held());
        }
        for (auto& [id, m] : mandated) {
          m.set_completion_rate(CompletionRate(m.cells_held(), m.cells()));
          *response->add_mandated() = m;
        }
        response->set_completion_rate(
            response->topics_planned() == 0
                ? 0.0
                : static_cast<double>(response->topics_held()) /
                      response->topics_planned());
        return absl::OkStatus();
      });
}

}  // namespace chibo::scheduling
