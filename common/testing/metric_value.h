#ifndef CHIBO_COMMON_TESTING_METRIC_VALUE_H_
#define CHIBO_COMMON_TESTING_METRIC_VALUE_H_

#include <map>
#include <string>

namespace chibo::testing {

// The sum of the counters of family `name` in this process's metrics
// (common/metrics.h) whose labels include every one of `labels`. Servers
// served in the test's process record into the same registry, so a test
// can count what they did (calls answered, transactions retried).
double CounterValue(const std::string& name,
                    const std::map<std::string, std::string>& labels = {});

}  // namespace chibo::testing

#endif  // CHIBO_COMMON_TESTING_METRIC_VALUE_H_
