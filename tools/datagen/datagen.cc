#include "tools/datagen/datagen.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "chibo/feed/v1/feed.grpc.pb.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "chibo/scheduling/v1/scheduling.grpc.pb.h"
#include "common/dates.h"
#include "common/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "grpcpp/grpcpp.h"
#include "services/scheduling/schedule_rules.h"
#include "tools/datagen/holidays.h"
#include "tools/datagen/province_plan.h"

namespace chibo::datagen {
namespace {

namespace reg = registry::v1;
namespace sch = scheduling::v1;

constexpr int kBulkRows = 1000;
constexpr int kProvinces = 34;
constexpr int kMandatedTopicMonths[] = {3, 6, 9, 12};

// FNV-1a over the request's deterministic serialization: the request_id of
// a write is a function of the seed and of what it writes, so a rerun (or
// a retry) sends the same id with the same request.
std::string RequestId(uint64_t seed, absl::string_view kind,
                      const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&out);
  }
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) hash = (hash ^ c) * 0x100000001b3ULL;
  return absl::StrFormat("dg%d-%s-%016x", seed, kind, hash);
}

void ParallelFor(int n, int threads,
                 const std::function<absl::Status(int)>& body,
                 absl::Status* first_error) {
  std::atomic<int> next{0};
  std::mutex mu;
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, std::min(threads, n)); ++t) {
    pool.emplace_back([&] {
      while (true) {
        {
          std::lock_guard<std::mutex> lock(mu);
          if (!first_error->ok()) return;
        }
        const int i = next.fetch_add(1);
        if (i >= n) return;
        absl::Status status = body(i);
        if (!status.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error->ok()) *first_error = status;
        }
      }
    });
  }
  for (auto& thread : pool) thread.join();
}

std::string Minute(absl::CivilMinute m) {
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d", m.year(), m.month(),
                         m.day(), m.hour(), m.minute());
}

// The province's rules, as sent and as the pure library expands them.
struct RuleSpec {
  sch::RuleTarget target;
  reg::CellCategory category;
  scheduling::MeetingRule rule;
};

std::vector<RuleSpec> Rules() {
  std::vector<RuleSpec> out;
  scheduling::MeetingRule base;
  base.effective_from = absl::CivilDay(2020, 1, 1);
  // Every cell: the 5th of each month at 14:00.
  scheduling::MeetingRule all = base;
  all.day_of_month = 5;
  out.push_back(
      {sch::RULE_TARGET_SUBTREE, reg::CELL_CATEGORY_UNSPECIFIED, all});
  // Residential cells meet on the 10th in the evening.
  scheduling::MeetingRule residential = base;
  residential.day_of_month = 10;
  residential.start_minute = 19 * 60 + 30;
  out.push_back(
      {sch::RULE_TARGET_CATEGORY, reg::CELL_CATEGORY_RESIDENTIAL, residential});
  // Enterprises on the last Friday at 16:00.
  scheduling::MeetingRule enterprise = base;
  enterprise.pattern = scheduling::DayPattern::kNthWeekday;
  enterprise.nth = -1;
  enterprise.weekday = absl::Weekday::friday;
  enterprise.start_minute = 16 * 60;
  out.push_back(
      {sch::RULE_TARGET_CATEGORY, reg::CELL_CATEGORY_ENTERPRISE, enterprise});
  return out;
}

const scheduling::MeetingRule& RuleFor(const std::vector<RuleSpec>& rules,
                                       reg::CellCategory category) {
  for (const RuleSpec& spec : rules) {
    if (spec.target == sch::RULE_TARGET_CATEGORY && spec.category == category) {
      return spec.rule;
    }
  }
  return rules.front().rule;
}

sch::MeetingRuleVersion VersionOf(const scheduling::MeetingRule& rule) {
  sch::MeetingRuleVersion v;
  if (rule.pattern == scheduling::DayPattern::kNthWeekday) {
    v.set_pattern(sch::DAY_PATTERN_NTH_WEEKDAY);
    v.set_nth(rule.nth);
    v.set_weekday(rule.weekday == absl::Weekday::friday ? 5 : 1);
  } else {
    v.set_pattern(sch::DAY_PATTERN_DAY_OF_MONTH);
    v.set_day_of_month(rule.day_of_month);
  }
  v.set_start_time(absl::StrFormat("%02d:%02d", rule.start_minute / 60,
                                   rule.start_minute % 60));
  v.set_min_minutes(rule.min_minutes);
  v.set_combined_min_minutes(rule.combined_min_minutes);
  v.set_shift(sch::NON_WORKING_DAY_SHIFT_NEXT_WORKING_DAY);
  v.set_effective_from(FormatDate(rule.effective_from));
  return v;
}

class Loader {
 public:
  explicit Loader(const DatagenOptions& options) : options_(options) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    registry_ = reg::RegistryService::NewStub(grpc::CreateCustomChannel(
        options.registry_address, grpc::InsecureChannelCredentials(), args));
    if (!options.scheduling_address.empty()) {
      scheduling_ = sch::SchedulingService::NewStub(
          grpc::CreateCustomChannel(options.scheduling_address,
                                    grpc::InsecureChannelCredentials(), args));
    }
    today_ = TodayInVietnam();
    year_ =
        options.year > 0 ? options.year : static_cast<int>(today_.year()) - 1;
  }

  absl::StatusOr<DatagenReport> Run() {
    const int provinces = options_.national ? kProvinces : 1;
    for (int p = 0; p < provinces; ++p) {
      PlanOptions plan_options;
      plan_options.seed = options_.seed;
      plan_options.province = p;
      plan_options.scale = options_.national ? 2.94 : options_.scale;
      plan_options.member_factor = options_.national ? 0.5 : 1.0;
      plan_options.joined_before_year = year_ - 1;
      const ProvincePlan plan = PlanProvince(plan_options);
      report_.cells += static_cast<int64_t>(plan.cells.size());
      RETURN_IF_ERROR(LoadOrganizations(plan));
      if (p == 0 && !plan.organizations.empty()) {
        std::lock_guard<std::mutex> lock(mu_);
        report_.province = org_names_[plan.organizations[0].external_code()];
        report_.year = year_;
      }
      std::vector<std::vector<std::string>> members;
      RETURN_IF_ERROR(LoadMembers(plan, &members));
      // Records need every member: stop at refused rows.
      if (!report_.errors.empty()) return report_;
      if (scheduling_ != nullptr && !options_.national) {
        RETURN_IF_ERROR(LoadSchedules(plan, members));
      }
    }
    return report_;
  }

 private:
  std::unique_ptr<grpc::ClientContext> Context() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    if (!options_.token.empty()) {
      context->AddMetadata("authorization", "Bearer " + options_.token);
    }
    return context;
  }

  // Retries what a client should retry (and NOT_FOUND for a while, until
  // scheduling's view of the tree has caught up with a new cell).
  absl::Status Call(
      absl::string_view what,
      const std::function<grpc::Status(grpc::ClientContext*)>& rpc,
      bool retry_not_found = false) {
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    for (int attempt = 0;; ++attempt) {
      grpc::Status status = rpc(Context().get());
      if (status.ok()) return absl::OkStatus();
      const auto code = status.error_code();
      const bool transient =
          code == grpc::StatusCode::UNAVAILABLE ||
          code == grpc::StatusCode::ABORTED ||
          code == grpc::StatusCode::DEADLINE_EXCEEDED ||
          code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
          (retry_not_found && code == grpc::StatusCode::NOT_FOUND);
      if (!transient || absl::Now() > give_up) {
        return absl::Status(static_cast<absl::StatusCode>(code),
                            absl::StrCat(what, ": ", status.error_message()));
      }
      absl::SleepFor(
          absl::Milliseconds(std::min(1000, 50 << std::min(attempt, 5))));
    }
  }

  void Count(Counts* counts, reg::UpsertAction action,
             const std::string& error) {
    std::lock_guard<std::mutex> lock(mu_);
    switch (action) {
      case reg::UPSERT_ACTION_CREATED:
        ++counts->created;
        break;
      case reg::UPSERT_ACTION_UNCHANGED:
        ++counts->unchanged;
        break;
      case reg::UPSERT_ACTION_FAILED:
        ++counts->failed;
        if (report_.errors.size() < 10) report_.errors.push_back(error);
        break;
      default:
        ++counts->updated;
    }
  }

  absl::Status LoadOrganizations(const ProvincePlan& plan) {
    const absl::Time start = absl::Now();
    // Batches never mix depths, so every parent exists before its children
    // are sent, whatever order the threads run in.
    std::vector<std::pair<int, int>> batches;  // [begin, end)
    auto depth = [](reg::OrganizationLevel level) {
      return level == reg::ORGANIZATION_LEVEL_PROVINCE ? 0
             : level == reg::ORGANIZATION_LEVEL_BLOC ||
                     level == reg::ORGANIZATION_LEVEL_COMMUNE
                 ? 1
             : level == reg::ORGANIZATION_LEVEL_SUBORDINATE_CELL ? 3
                                                                 : 2;
    };
    const auto& orgs = plan.organizations;
    int begin = 0;
    while (begin < static_cast<int>(orgs.size())) {
      int end = begin;
      const int d = depth(orgs[begin].level());
      std::vector<std::pair<int, int>> level;
      while (end < static_cast<int>(orgs.size()) &&
             depth(orgs[end].level()) == d) {
        ++end;
      }
      for (int b = begin; b < end; b += kBulkRows) {
        level.push_back({b, std::min(end, b + kBulkRows)});
      }
      absl::Status failed;
      ParallelFor(
          static_cast<int>(level.size()), options_.threads,
          [&](int i) -> absl::Status {
            reg::BulkUpsertOrganizationsRequest request;
            for (int k = level[i].first; k < level[i].second; ++k) {
              *request.add_rows() = orgs[k];
            }
            request.set_request_id(RequestId(options_.seed, "org", request));
            reg::BulkUpsertOrganizationsResponse response;
            RETURN_IF_ERROR(
                Call("BulkUpsertOrganizations", [&](grpc::ClientContext* c) {
                  return registry_->BulkUpsertOrganizations(c, request,
                                                            &response);
                }));
            for (const auto& result : response.results()) {
              Count(&report_.organizations, result.action(),
                    absl::StrCat(result.external_code(), ": ", result.error()));
              std::lock_guard<std::mutex> lock(mu_);
              org_names_[result.external_code()] = result.organization();
            }
            return absl::OkStatus();
          },
          &failed);
      RETURN_IF_ERROR(failed);
      begin = end;
    }
    report_.organization_seconds += absl::ToDoubleSeconds(absl::Now() - start);
    return absl::OkStatus();
  }

  absl::Status LoadMembers(const ProvincePlan& plan,
                           std::vector<std::vector<std::string>>* names) {
    const absl::Time start = absl::Now();
    names->assign(plan.cells.size(), {});
    struct Slot {
      int cell, member;
    };
    std::vector<Slot> slots;
    for (size_t c = 0; c < plan.cells.size(); ++c) {
      (*names)[c].resize(plan.cells[c].members.size());
      for (size_t m = 0; m < plan.cells[c].members.size(); ++m) {
        slots.push_back({static_cast<int>(c), static_cast<int>(m)});
      }
    }
    const int batches =
        (static_cast<int>(slots.size()) + kBulkRows - 1) / kBulkRows;
    absl::Status failed;
    ParallelFor(
        batches, options_.threads,
        [&](int b) -> absl::Status {
          const int from = b * kBulkRows;
          const int to =
              std::min(static_cast<int>(slots.size()), from + kBulkRows);
          reg::BulkUpsertMembersRequest request;
          for (int k = from; k < to; ++k) {
            *request.add_rows() =
                plan.cells[slots[k].cell].members[slots[k].member];
          }
          request.set_request_id(RequestId(options_.seed, "mem", request));
          reg::BulkUpsertMembersResponse response;
          RETURN_IF_ERROR(
              Call("BulkUpsertMembers", [&](grpc::ClientContext* c) {
                return registry_->BulkUpsertMembers(c, request, &response);
              }));
          for (int k = from; k < to && k - from < response.results_size();
               ++k) {
            const auto& result = response.results(k - from);
            Count(&report_.members, result.action(),
                  absl::StrCat(result.key(), ": ", result.error()));
            (*names)[slots[k].cell][slots[k].member] = result.member();
          }
          return absl::OkStatus();
        },
        &failed);
    report_.member_seconds += absl::ToDoubleSeconds(absl::Now() - start);
    return failed;
  }

  // Holidays of every year the records and postponements touch. The
  // request_id follows the content, so a rerun gets the stored calendar
  // back instead of a new version (within the idempotency-key retention;
  // probing with GetHolidayCalendar first would answer NOT_FOUND on a
  // fresh system, which the bench counts as a problem).
  absl::Status LoadHolidays() {
    for (int year = year_ - 1; year <= today_.year() + 1; ++year) {
      sch::HolidayCalendar wanted;
      wanted.set_year(year);
      wanted.set_source("Bộ luật Lao động 2019, Điều 112 (chibo-datagen)");
      for (const auto& [day, title] : HolidaysOf(year)) {
        sch::Holiday* h = wanted.add_holidays();
        h->set_date(FormatDate(day));
        h->set_title(title);
        calendar_days_.insert(day);
      }
      sch::SetHolidayCalendarRequest set;
      *set.mutable_calendar() = wanted;
      set.set_request_id(RequestId(options_.seed, "hol", set));
      sch::HolidayCalendar out;
      RETURN_IF_ERROR(Call("SetHolidayCalendar", [&](grpc::ClientContext* c) {
        return scheduling_->SetHolidayCalendar(c, set, &out);
      }));
      ++report_.calendars_set;
    }
    return absl::OkStatus();
  }

  absl::Status LoadRules(const std::string& province) {
    const std::string source =
        absl::StrCat("Hướng dẫn mẫu (chibo-datagen seed ", options_.seed, ")");
    sch::ListMeetingRulesRequest list;
    list.set_organization(province);
    list.set_page_size(1000);
    sch::ListMeetingRulesResponse existing;
    RETURN_IF_ERROR(Call(
        "ListMeetingRules",
        [&](grpc::ClientContext* c) {
          return scheduling_->ListMeetingRules(c, list, &existing);
        },
        true));
    std::set<std::pair<int, int>> have;
    for (const auto& rule : existing.rules()) {
      if (rule.source() == source)
        have.insert({rule.target(), rule.category()});
    }
    for (const RuleSpec& spec : rules_) {
      if (have.count({spec.target, spec.category})) continue;
      sch::CreateMeetingRuleRequest request;
      sch::MeetingRule* rule = request.mutable_rule();
      rule->set_organization(province);
      rule->set_target(spec.target);
      rule->set_category(spec.category);
      rule->set_source(source);
      *rule->add_versions() = VersionOf(spec.rule);
      request.set_request_id(RequestId(options_.seed, "rule", request));
      sch::MeetingRule created;
      RETURN_IF_ERROR(Call("CreateMeetingRule", [&](grpc::ClientContext* c) {
        return scheduling_->CreateMeetingRule(c, request, &created);
      }));
      ++report_.rules_created;
    }
    return absl::OkStatus();
  }

  // Creates the topics of `organization` in `wanted` (month -> title) that
  // it does not have yet; returns every topic of it by month (with the
  // mandated ones that apply to a cell).
  absl::StatusOr<std::map<int, std::vector<std::string>>> EnsureTopics(
      const std::string& organization,
      const std::map<int, std::string>& wanted) {
    sch::ListTopicsRequest list;
    list.set_organization(organization);
    list.set_year(year_);
    list.set_page_size(1000);
    sch::ListTopicsResponse existing;
    RETURN_IF_ERROR(Call(
        "ListTopics",
        [&](grpc::ClientContext* c) {
          return scheduling_->ListTopics(c, list, &existing);
        },
        true));
    std::map<int, std::vector<std::string>> by_month;
    std::set<std::string> titles;
    for (const auto& topic : existing.topics()) {
      titles.insert(topic.title());
      by_month[topic.planned_month()].push_back(topic.name());
    }
    for (const auto& [month, title] : wanted) {
      if (titles.count(title)) continue;
      sch::CreateTopicRequest request;
      sch::Topic* topic = request.mutable_topic();
      topic->set_organization(organization);
      topic->set_year(year_);
      topic->set_title(title);
      topic->set_planned_month(month);
      topic->set_preparer("Chi ủy");
      request.set_request_id(RequestId(options_.seed, "topic", request));
      sch::Topic created;
      RETURN_IF_ERROR(Call(
          "CreateTopic",
          [&](grpc::ClientContext* c) {
            return scheduling_->CreateTopic(c, request, &created);
          },
          true));
      std::lock_guard<std::mutex> lock(mu_);
      ++report_.topics_created;
      by_month[month].push_back(created.name());
    }
    return by_month;
  }

  absl::Status LoadSchedules(
      const ProvincePlan& plan,
      const std::vector<std::vector<std::string>>& names) {
    const absl::Time start = absl::Now();
    rules_ = Rules();
    RETURN_IF_ERROR(LoadHolidays());
    const scheduling::WorkingCalendar calendar(calendar_days_);
    const std::string province = Organization(plan.organizations.front());
    RETURN_IF_ERROR(LoadRules(province));
    std::map<int, std::string> mandated;
    for (int month : kMandatedTopicMonths) {
      mandated[month] =
          absl::StrCat("Chuyên đề quý ", (month + 2) / 3, " năm ", year_,
                       ": học tập và làm theo tư tưởng, "
                       "đạo đức, phong cách Hồ Chí Minh");
    }
    RETURN_IF_ERROR(EnsureTopics(province, mandated).status());
    absl::Status failed;
    ParallelFor(
        static_cast<int>(plan.cells.size()), options_.threads,
        [&](int c) { return LoadCell(plan, c, names[c], calendar); }, &failed);
    report_.record_seconds += absl::ToDoubleSeconds(absl::Now() - start);
    return failed;
  }

  // "organizations/N" of a planned organisation, looked up once.
  std::string Organization(const reg::OrganizationRow& row) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = org_names_.find(row.external_code());
      if (it != org_names_.end()) return it->second;
    }
    reg::ListOrganizationsRequest request;
    request.set_query(row.external_code());
    request.set_page_size(1);
    reg::ListOrganizationsResponse response;
    absl::Status status =
        Call("ListOrganizations", [&](grpc::ClientContext* c) {
          return registry_->ListOrganizations(c, request, &response);
        });
    std::string name;
    for (const auto& org : response.organizations()) {
      if (org.external_code() == row.external_code()) name = org.name();
    }
    std::lock_guard<std::mutex> lock(mu_);
    org_names_[row.external_code()] = name;
    return name;
  }

  absl::Status LoadCell(const ProvincePlan& plan, int c,
                        const std::vector<std::string>& members,
                        const scheduling::WorkingCalendar& calendar) {
    const PlannedCell& planned = plan.cells[c];
    const std::string cell =
        Organization(plan.organizations[planned.org_index]);
    if (cell.empty()) {
      return absl::NotFoundError(
          absl::StrCat(plan.organizations[planned.org_index].external_code(),
                       ": not found in the registry"));
    }
    Random random(DeriveSeed(options_.seed, 3000 + c));
    // One cell in ten registers a topic of its own.
    std::map<int, std::string> own;
    if (random.Percent(10)) {
      own[1 + random.Below(12)] =
          absl::StrCat("Chuyên đề của chi bộ năm ", year_,
                       ": phát triển kinh tế địa phương");
    }
    ASSIGN_OR_RETURN(auto topics, EnsureTopics(cell, own));
    const scheduling::MeetingRule& rule = RuleFor(rules_, planned.category);
    const std::vector<scheduling::Occurrence> year = scheduling::ExpandSchedule(
        {rule}, calendar, absl::CivilDay(year_, 1, 1),
        absl::CivilDay(year_, 12, 31));
    for (const scheduling::Occurrence& o : year) {
      if (random.Percent(3)) continue;  // missed: no record
      const int month = o.nominal_day.month();
      auto held = topics.find(month);
      sch::RecordMeetingRequest request;
      sch::MeetingRecord* record = request.mutable_record();
      record->set_cell(cell);
      record->set_nominal_date(FormatDate(o.nominal_day));
      const bool combined = held != topics.end();
      record->set_kind(combined ? sch::MEETING_KIND_COMBINED
                                : sch::MEETING_KIND_REGULAR);
      record->set_form(random.Percent(3) ? sch::MEETING_FORM_ONLINE
                                         : sch::MEETING_FORM_IN_PERSON);
      const absl::CivilMinute begin = absl::CivilMinute(o.day) + o.start_minute;
      const int length = (combined ? 120 : 90) + random.Below(60);
      record->set_start_time(Minute(begin));
      record->set_end_time(Minute(begin + length));
      record->set_agenda(combined ? "Sinh hoạt thường kỳ kết hợp chuyên đề"
                                  : "Sinh hoạt thường kỳ");
      if (combined) {
        for (const std::string& topic : held->second) record->add_topics(topic);
      }
      for (size_t m = 0; m < members.size(); ++m) {
        sch::Attendance* a = record->add_attendance();
        a->set_member(members[m]);
        const reg::MemberStatus status = planned.members[m].status();
        const int r = random.Below(100);
        if (status == reg::MEMBER_STATUS_EXEMPT ||
            status == reg::MEMBER_STATUS_TEMPORARILY_EXEMPT) {
          a->set_mark(sch::ATTENDANCE_MARK_EXEMPT);
        } else if (r < 91) {
          a->set_mark(sch::ATTENDANCE_MARK_PRESENT);
        } else if (r < 97) {
          a->set_mark(sch::ATTENDANCE_MARK_ABSENT_WITH_REASON);
          a->set_reason("Đi công tác");
        } else {
          a->set_mark(sch::ATTENDANCE_MARK_ABSENT_WITHOUT_REASON);
        }
      }
      request.set_request_id(RequestId(options_.seed, "rec", request));
      sch::MeetingRecord out;
      absl::Status status = Call(
          "RecordMeeting",
          [&](grpc::ClientContext* ctx) {
            return scheduling_->RecordMeeting(ctx, request, &out);
          },
          true);
      std::lock_guard<std::mutex> lock(mu_);
      if (status.code() == absl::StatusCode::kAlreadyExists) {
        ++report_.records_present;
      } else if (!status.ok()) {
        return status;
      } else {
        ++report_.records;
      }
    }
    // Báo hoãn: one cell in twenty postpones its next meeting by three days
    // (only a meeting still ahead can be postponed).
    if (random.Percent(5)) {
      for (const scheduling::Occurrence& o : scheduling::ExpandSchedule(
               {rule}, calendar, today_ + 1, today_ + 30)) {
        sch::PostponeMeetingRequest request;
        request.set_cell(cell);
        request.set_nominal_date(FormatDate(o.nominal_day));
        request.set_new_date(FormatDate(o.day + 3));
        request.set_reason("Trùng lịch họp của cấp ủy cấp trên");
        request.set_request_id(RequestId(options_.seed, "ppn", request));
        sch::Postponement out;
        RETURN_IF_ERROR(Call(
            "PostponeMeeting",
            [&](grpc::ClientContext* ctx) {
              return scheduling_->PostponeMeeting(ctx, request, &out);
            },
            true));
        std::lock_guard<std::mutex> lock(mu_);
        ++report_.postponements;
        break;
      }
    }
    return absl::OkStatus();
  }

  const DatagenOptions options_;
  std::unique_ptr<reg::RegistryService::Stub> registry_;
  std::unique_ptr<sch::SchedulingService::Stub> scheduling_;
  absl::CivilDay today_;
  int year_ = 0;
  std::vector<RuleSpec> rules_;
  std::set<absl::CivilDay> calendar_days_;
  std::mutex mu_;
  std::map<std::string, std::string> org_names_;
  DatagenReport report_;
};

std::string CountsJson(const Counts& c) {
  return absl::StrFormat(
      "{\"created\":%d,\"updated\":%d,\"unchanged\":%d,\"failed\":%d}",
      c.created, c.updated, c.unchanged, c.failed);
}

}  // namespace

std::string DatagenReport::ToJson() const {
  const int64_t member_rows =
      members.created + members.updated + members.unchanged + members.failed;
  return absl::StrFormat(
      "{\"cells\":%d,\"organizations\":%s,\"members\":%s,"
      "\"organization_seconds\":%.3f,\"member_seconds\":%.3f,"
      "\"member_rows_per_second\":%.1f,\"calendars_set\":%d,"
      "\"rules_created\":%d,\"topics_created\":%d,\"records\":%d,"
      "\"records_present\":%d,\"postponements\":%d,\"record_seconds\":%.3f,"
      "\"province\":\"%s\",\"year\":%d,\"errors\":[%s]}",
      cells, CountsJson(organizations), CountsJson(members),
      organization_seconds, member_seconds,
      member_seconds > 0 ? member_rows / member_seconds : 0.0, calendars_set,
      rules_created, topics_created, records, records_present, postponements,
      record_seconds, province, year,
      absl::StrJoin(errors, ",", [](std::string* out, const std::string& e) {
        std::string quoted;
        for (char ch : e) {
          if (ch == '"' || ch == '\\') quoted.push_back('\\');
          quoted.push_back(ch);
        }
        absl::StrAppend(out, "\"", quoted, "\"");
      }));
}

absl::StatusOr<DatagenReport> RunDatagen(const DatagenOptions& options) {
  if (options.registry_address.empty()) {
    return absl::InvalidArgumentError("--registry: is required");
  }
  if (!(options.scale > 0) || options.scale > 100) {
    return absl::InvalidArgumentError("--scale: must be in (0, 100]");
  }
  if (options.seed > 999999) {
    return absl::InvalidArgumentError("--seed: at most 999999");
  }
  return Loader(options).Run();
}

}  // namespace chibo::datagen
