// chibo-scheduling: meeting rules, postponements, records, compliance.

#include "common/server.h"
#include "common/service_runtime.h"
#include "services/scheduling/scheduling_definition.h"

int main(int argc, char** argv) {
  chibo::BlockTerminationSignals();
  return chibo::ServiceRuntime::Main(argc, argv,
                                     chibo::scheduling::SchedulingDefinition());
}
