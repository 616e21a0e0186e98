#ifndef CHIBO_TOOLS_DATAGEN_DATAGEN_H_
#define CHIBO_TOOLS_DATAGEN_DATAGEN_H_

// chibo-datagen's loader: plans a province (province_plan.h) and loads it
// through the public gRPC API, with the bulk RPCs for the registry and
// scheduling's own RPCs for rules, holidays, topics, records and
// postponements. Idempotent: organisations and members by their external
// codes, every other write by a request_id derived from the seed and the
// request's content (a rerun within the request_id retention, 7 days by
// default, gets the stored answers), and what is already present (rules of
// this seed, topics of the same title, a recorded nominal date) is not
// written again whatever the retention.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace chibo::datagen {

struct DatagenOptions {
  std::string registry_address;  // host:port
  // Empty: registry only (no rules, holidays, topics or records).
  std::string scheduling_address;
  // A bearer token (chibo-admin token ...); empty: none (--insecure_dev).
  std::string token;
  uint64_t seed = 1;
  // 1.0: a province of about 3,000 cells and 100,000 members.
  double scale = 1.0;
  // 34 provinces of about 8,800 cells each (about 300,000 cells and 5
  // million members), registry only.
  bool national = false;
  int threads = 8;
  // The year of records; default (0): last year in Vietnam.
  int year = 0;
};

struct Counts {
  int64_t created = 0, updated = 0, unchanged = 0, failed = 0;
};

struct DatagenReport {
  Counts organizations, members;
  double organization_seconds = 0, member_seconds = 0, record_seconds = 0;
  int64_t cells = 0;
  int64_t calendars_set = 0, rules_created = 0, topics_created = 0;
  int64_t records = 0, records_present = 0, postponements = 0;
  // The first province's root (e.g. "organizations/12") and the records'
  // year: what the read benchmarks ask about.
  std::string province;
  int year = 0;
  // The first errors (at most 10), each naming the call.
  std::vector<std::string> errors;
  std::string ToJson() const;
};

// Loads the data; fails on the first call that keeps failing after
// retries, and reports rows the bulk RPCs refused in `errors`.
absl::StatusOr<DatagenReport> RunDatagen(const DatagenOptions& options);

}  // namespace chibo::datagen

#endif  // CHIBO_TOOLS_DATAGEN_DATAGEN_H_
