// chibo-scheduling: meeting rules, postponements, records, compliance.

#include "common/migrations.h"
#include "common/server.h"
#include "common/service_runtime.h"
#include "services/scheduling/org_directory.h"
#include "services/scheduling/scheduling_scope_oracle.h"
#include "services/scheduling/scheduling_service.h"
#include "services/scheduling/store.h"

namespace chibo {
const std::vector<Migration>& SchedulingMigrations();
}

int main(int argc, char** argv) {
  chibo::BlockTerminationSignals();
  chibo::ServiceDefinition definition;
  definition.name = "scheduling";
  definition.migrations = &chibo::SchedulingMigrations();
  definition.peers = {"registry"};
  definition.tree_view = true;
  definition.make_oracle = [](chibo::ServiceRuntime& runtime) {
    return std::make_unique<chibo::scheduling::SchedulingScopeOracle>(
        &runtime.pool(), runtime.tree_view());
  };
  definition.tree_changes = [](chibo::ServiceRuntime& runtime) {
    return chibo::RegistryTreeChanges(runtime.registry());
  };
  int exit_code = 0;
  auto runtime =
      chibo::ServiceRuntime::Init(argc, argv, definition, &exit_code);
  if (runtime == nullptr) return exit_code;
  chibo::scheduling::SchedulingStore store(&runtime->pool());
  chibo::scheduling::OrgDirectory directory(runtime->tree_view());
  chibo::scheduling::SchedulingServiceImpl service(&store, &directory,
                                                   &runtime->gate());
  return runtime->Run({&service});
}
