#ifndef CHIBO_COMMON_TREE_VIEW_FEED_H_
#define CHIBO_COMMON_TREE_VIEW_FEED_H_

#include "chibo/feed/v1/feed.pb.h"
#include "common/feed_consumer.h"

namespace chibo {

// True for the registry changes to an organisation (any action): those
// that can change a subtree's cells, their names or their paths.
bool ChangesAnOrganization(const feed::v1::Change& change);

// True for the registry changes that can alter where an organisation sits
// (its ancestors): moves and deletions.
bool ChangesTheTree(const feed::v1::Change& change);

// Applies the registry's feed to this service's known_organizations (the
// tree remembered for scope checks while the registry is down): a moved
// or deleted organisation is forgotten with everything under it,
// so the next look-up asks the registry again instead of trusting a stale
// ancestry. Runs inside the FeedConsumer's transaction.
FeedConsumer::Apply ForgetChangedOrganizations();

}  // namespace chibo

#endif  // CHIBO_COMMON_TREE_VIEW_FEED_H_
