#ifndef CHIBO_SERVICES_SCHEDULING_SCHEDULING_DEFINITION_H_
#define CHIBO_SERVICES_SCHEDULING_SCHEDULING_DEFINITION_H_

#include "common/service_definition.h"

namespace chibo::scheduling {

// Scheduling as main.cc serves it and the tests start it
// (common/testing/test_service.h): its migrations, the registry as its
// peer, the tree view, and its store and SchedulingService.
ServiceDefinition SchedulingDefinition();

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_SCHEDULING_DEFINITION_H_
