#include "services/scheduling/scheduling_definition.h"

#include <memory>

#include "common/service_definition.h"
#include "common/tree_view.h"
#include "services/scheduling/org_directory.h"
#include "services/scheduling/scheduling_scope_oracle.h"
#include "services/scheduling/scheduling_service.h"
#include "services/scheduling/store.h"

namespace chibo {
const std::vector<Migration>& SchedulingMigrations();
}

namespace chibo::scheduling {
namespace {

struct Served : ServedServices {
  explicit Served(ServiceEnvironment& env)
      : store(&env.pool()),
        directory(env.tree_view()),
        service(&store, &directory, &env.gate()) {
    services = {&service};
  }
  SchedulingStore store;
  OrgDirectory directory;
  SchedulingServiceImpl service;
};

}  // namespace

ServiceDefinition SchedulingDefinition() {
  ServiceDefinition definition;
  definition.name = "scheduling";
  definition.migrations = &SchedulingMigrations();
  definition.peers = {"registry"};
  definition.tree_view = true;
  definition.make_oracle = [](ServiceEnvironment& env) {
    return std::make_unique<SchedulingScopeOracle>(&env.pool(),
                                                   env.tree_view());
  };
  definition.tree_changes = [](ServiceEnvironment& env) {
    return RegistryTreeChanges(env.registry());
  };
  definition.serve = [](ServiceEnvironment& env) {
    return std::make_unique<Served>(env);
  };
  return definition;
}

}  // namespace chibo::scheduling
