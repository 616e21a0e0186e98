#ifndef CHIBO_SERVICES_REGISTRY_REGISTRY_DEFINITION_H_
#define CHIBO_SERVICES_REGISTRY_REGISTRY_DEFINITION_H_

#include "common/service_definition.h"

namespace chibo::registry {

// The registry as main.cc serves it and the tests start it
// (common/testing/test_service.h): its migrations, its scope oracle over
// its own tables, and its store and RegistryService.
ServiceDefinition RegistryDefinition();

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_REGISTRY_DEFINITION_H_
