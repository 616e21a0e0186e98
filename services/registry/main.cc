// chibo-registry: the organisation registry service.

#include "common/migrations.h"
#include "common/server.h"
#include "common/service_runtime.h"
#include "services/registry/registry_scope_oracle.h"
#include "services/registry/registry_service.h"
#include "services/registry/store.h"

namespace chibo {
const std::vector<Migration>& RegistryMigrations();
}

int main(int argc, char** argv) {
  chibo::BlockTerminationSignals();
  chibo::ServiceDefinition definition;
  definition.name = "registry";
  definition.migrations = &chibo::RegistryMigrations();
  definition.make_oracle = [](chibo::ServiceRuntime& runtime) {
    return std::make_unique<chibo::registry::RegistryScopeOracle>(
        &runtime.pool());
  };
  definition.tree_changes = [](chibo::ServiceRuntime& runtime) {
    return chibo::registry::LocalTreeChanges(runtime.pool());
  };
  int exit_code = 0;
  auto runtime =
      chibo::ServiceRuntime::Init(argc, argv, definition, &exit_code);
  if (runtime == nullptr) return exit_code;
  chibo::registry::RegistryStore store(&runtime->pool());
  chibo::registry::RegistryServiceImpl service(&store, &runtime->gate());
  return runtime->Run({&service});
}
