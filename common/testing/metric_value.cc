#include "common/testing/metric_value.h"

#include "common/metrics.h"
#include "prometheus/registry.h"

namespace chibo::testing {

double CounterValue(const std::string& name,
                    const std::map<std::string, std::string>& labels) {
  double total = 0;
  for (const prometheus::MetricFamily& family : MetricsRegistry()->Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      size_t matched = 0;
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        auto wanted = labels.find(label.name);
        if (wanted != labels.end() && wanted->second == label.value) {
          ++matched;
        }
      }
      if (matched == labels.size()) total += metric.counter.value;
    }
  }
  return total;
}

}  // namespace chibo::testing
