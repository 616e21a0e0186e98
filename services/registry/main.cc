// chibo-registry: the organisation registry service.

#include "common/server.h"
#include "common/service_runtime.h"
#include "services/registry/registry_definition.h"

int main(int argc, char** argv) {
  chibo::BlockTerminationSignals();
  return chibo::ServiceRuntime::Main(argc, argv,
                                     chibo::registry::RegistryDefinition());
}
