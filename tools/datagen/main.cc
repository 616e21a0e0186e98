// chibo-datagen: loads a generated province (or, with --national, the
// registry of a country) through the public gRPC API. See README,
// "Generated data".

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "tools/datagen/datagen.h"

ABSL_FLAG(std::string, registry, "127.0.0.1:50051",
          "The registry's address (host:port)");
ABSL_FLAG(std::string, scheduling, "",
          "Scheduling's address; empty: registry only");
ABSL_FLAG(std::string, token_file, "",
          "A file holding a bearer token (chibo-admin token); empty: none "
          "(servers run with --insecure_dev)");
ABSL_FLAG(uint64_t, seed, 1,
          "What to generate (0..999999): the same seed "
          "gives the same data");
ABSL_FLAG(double, scale, 1.0,
          "1.0: about 3,000 cells and 100,000 members; 0.003: a CI smoke size");
ABSL_FLAG(bool, national, false,
          "34 provinces, about 300,000 cells and 5 million members, registry "
          "only (--scale is ignored)");
ABSL_FLAG(int, threads, 8, "Concurrent calls");
ABSL_FLAG(int, year, 0, "The year of records (default: last year)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "chibo-datagen --registry=HOST:PORT [--scheduling=HOST:PORT] "
      "[--seed=N] [--scale=X | --national] [--token_file=F]");
  absl::ParseCommandLine(argc, argv);
  chibo::datagen::DatagenOptions options;
  options.registry_address = absl::GetFlag(FLAGS_registry);
  options.scheduling_address = absl::GetFlag(FLAGS_scheduling);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.scale = absl::GetFlag(FLAGS_scale);
  options.national = absl::GetFlag(FLAGS_national);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.year = absl::GetFlag(FLAGS_year);
  const std::string token_file = absl::GetFlag(FLAGS_token_file);
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) {
      std::cerr << "chibo-datagen: cannot read --token_file " << token_file
                << "\n";
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    options.token = std::string(absl::StripAsciiWhitespace(text.str()));
  }
  absl::StatusOr<chibo::datagen::DatagenReport> report =
      chibo::datagen::RunDatagen(options);
  if (!report.ok()) {
    std::cerr << "chibo-datagen: " << report.status() << "\n";
    return 1;
  }
  std::cout << report->ToJson() << "\n";
  return report->errors.empty() ? 0 : 1;
}
