#include "services/registry/registry_definition.h"

#include <memory>

#include "common/service_definition.h"
#include "services/registry/registry_scope_oracle.h"
#include "services/registry/registry_service.h"
#include "services/registry/store.h"

namespace chibo {
const std::vector<Migration>& RegistryMigrations();
}

namespace chibo::registry {
namespace {

struct Served : ServedServices {
  explicit Served(ServiceEnvironment& env)
      : store(&env.pool()), service(&store, &env.gate()) {
    services = {&service};
  }
  RegistryStore store;
  RegistryServiceImpl service;
};

}  // namespace

ServiceDefinition RegistryDefinition() {
  ServiceDefinition definition;
  definition.name = "registry";
  definition.migrations = &RegistryMigrations();
  definition.make_oracle = [](ServiceEnvironment& env) {
    return std::make_unique<RegistryScopeOracle>(&env.pool());
  };
  definition.tree_changes = [](ServiceEnvironment& env) {
    return LocalTreeChanges(env.pool());
  };
  definition.serve = [](ServiceEnvironment& env) {
    return std::make_unique<Served>(env);
  };
  return definition;
}

}  // namespace chibo::registry
