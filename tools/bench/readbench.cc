// chibo-readbench: the read cases of scripts/bench.sh, timed from a client.
//
//   chibo-readbench --target=127.0.0.1:PORT --mode=compliance
//                   --organization=organizations/12 --start_date=2025-01-01
//                   --end_date=2025-12-31 --calls=5
//     GetComplianceReport, one call at a time. Prints {"mode","calls",
//     "errors","p50_ms","p99_ms","min_ms","cells"}.
//
//   chibo-readbench --target=... --mode=meetings --organization=...
//                   --start_date=2025-03-01 --end_date=2025-03-31 --calls=3
//     ListMeetings through every page (default page size), --calls times.
//     Prints {"mode","calls","errors","pages","meetings","p50_total_ms",
//     "min_total_ms","page_p50_ms","page_p99_ms","page_max_ms"}: the total
//     of all pages of one listing, and the latency of one page over all of
//     them.
//
// Calls run one after another (a user waiting for a report); the first
// error's status goes to stderr and the exit status is 1 on any error.

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "chibo/scheduling/v1/scheduling.grpc.pb.h"

ABSL_FLAG(std::string, target, "", "Scheduling's address");
ABSL_FLAG(std::string, mode, "compliance", "compliance or meetings");
ABSL_FLAG(std::string, organization, "", "The subtree's root");
ABSL_FLAG(std::string, start_date, "", "First day, YYYY-MM-DD");
ABSL_FLAG(std::string, end_date, "", "Last day, YYYY-MM-DD");
ABSL_FLAG(int, calls, 5, "Timed calls (meetings: whole listings)");
ABSL_FLAG(std::string, token, "", "Bearer token; empty: none");
ABSL_FLAG(int, page_size, 0, "ListMeetings page size; 0: the server's default");

namespace chibo {
namespace {

namespace sch = chibo::scheduling::v1;

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
}

double Min(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}

class Bench {
 public:
  Bench()
      : stub_(sch::SchedulingService::NewStub(grpc::CreateChannel(
            absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials()))) {
  }

  int Compliance() {
    sch::GetComplianceReportRequest request;
    request.set_organization(absl::GetFlag(FLAGS_organization));
    request.set_start_date(absl::GetFlag(FLAGS_start_date));
    request.set_end_date(absl::GetFlag(FLAGS_end_date));
    std::vector<double> ms;
    int cells = 0;
    for (int i = 0; i < absl::GetFlag(FLAGS_calls); ++i) {
      grpc::ClientContext context;
      Prepare(&context);
      sch::ComplianceReport report;
      const absl::Time start = absl::Now();
      grpc::Status status =
          stub_->GetComplianceReport(&context, request, &report);
      ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
      if (!Check(status)) continue;
      cells = report.cells_size();
    }
    std::printf(
        "{\"mode\":\"compliance\",\"calls\":%zu,\"errors\":%d,\"p50_ms\":%.1f,"
        "\"p99_ms\":%.1f,\"min_ms\":%.1f,\"cells\":%d}\n",
        ms.size(), errors_, Percentile(ms, 0.5), Percentile(ms, 0.99), Min(ms),
        cells);
    return errors_ == 0 ? 0 : 1;
  }

  int Meetings() {
    std::vector<double> totals, pages;
    int64_t meetings = 0, page_count = 0;
    for (int i = 0; i < absl::GetFlag(FLAGS_calls); ++i) {
      sch::ListMeetingsRequest request;
      request.set_organization(absl::GetFlag(FLAGS_organization));
      request.set_start_date(absl::GetFlag(FLAGS_start_date));
      request.set_end_date(absl::GetFlag(FLAGS_end_date));
      request.set_page_size(absl::GetFlag(FLAGS_page_size));
      meetings = page_count = 0;
      const absl::Time listing = absl::Now();
      while (true) {
        grpc::ClientContext context;
        Prepare(&context);
        sch::ListMeetingsResponse response;
        const absl::Time start = absl::Now();
        grpc::Status status = stub_->ListMeetings(&context, request, &response);
        pages.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
        if (!Check(status)) break;
        ++page_count;
        meetings += response.meetings_size();
        if (response.next_page_token().empty()) break;
        request.set_page_token(response.next_page_token());
      }
      totals.push_back(absl::ToDoubleMilliseconds(absl::Now() - listing));
    }
    std::printf(
        "{\"mode\":\"meetings\",\"calls\":%zu,\"errors\":%d,\"pages\":%ld,"
        "\"meetings\":%ld,\"p50_total_ms\":%.1f,\"min_total_ms\":%.1f,"
        "\"page_p50_ms\":%.1f,\"page_p99_ms\":%.1f,\"page_max_ms\":%.1f}\n",
        totals.size(), errors_, static_cast<long>(page_count),
        static_cast<long>(meetings), Percentile(totals, 0.5), Min(totals),
        Percentile(pages, 0.5), Percentile(pages, 0.99),
        Percentile(pages, 1.0));
    return errors_ == 0 ? 0 : 1;
  }

 private:
  void Prepare(grpc::ClientContext* context) const {
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    const std::string token = absl::GetFlag(FLAGS_token);
    if (!token.empty())
      context->AddMetadata("authorization", "Bearer " + token);
  }

  bool Check(const grpc::Status& status) {
    if (status.ok()) return true;
    if (errors_++ == 0) {
      std::fprintf(stderr, "chibo-readbench: %d %s\n",
                   static_cast<int>(status.error_code()),
                   status.error_message().c_str());
    }
    return false;
  }

  std::unique_ptr<sch::SchedulingService::Stub> stub_;
  int errors_ = 0;
};

}  // namespace
}  // namespace chibo

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  chibo::Bench bench;
  return absl::GetFlag(FLAGS_mode) == "meetings" ? bench.Meetings()
                                                 : bench.Compliance();
}
