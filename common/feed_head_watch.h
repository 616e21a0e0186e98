#ifndef CHIBO_COMMON_FEED_HEAD_WATCH_H_
#define CHIBO_COMMON_FEED_HEAD_WATCH_H_

#include <cstdint>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace chibo {

// Whether a peer's change feed has moved, as seen by a read of its head
// that began after the question was asked. An answer the peer gave after
// a read at head H reflects every change up to H; while no later read
// finds the head moved, that answer is still what the peer would say if
// asked again (its feed never skips, so every write shows there). That
// makes a cache of write-time answers as fresh as asking each time, for
// one small read that concurrent callers share: while one read runs, the
// callers that arrive meanwhile wait for the next, and that one read
// answers them all. Thread-safe.
class FeedHeadWatch {
 public:
  // Reads the peer feed's newest sequence (ListChanges past every
  // sequence: no changes, only the head).
  using ReadHead = std::function<absl::StatusOr<int64_t>(absl::Time deadline)>;

  explicit FeedHeadWatch(ReadHead read_head);

  struct Mark {
    int64_t head = 0;  // the feed's head at the read
    // The head at the first read that found it moved, or the first head
    // seen: an answer taken after a read at `head` h is current while
    // h >= changed_at.
    int64_t changed_at = 0;
    // Counts resets (a head below the last one: the peer's feed was
    // restored or replaced): answers taken in another epoch are not
    // current.
    int64_t epoch = 0;
  };
  // The mark of a read that began after this call. An error when that
  // read failed or `deadline` passed first: the caller then asks the peer
  // itself.
  absl::StatusOr<Mark> Read(absl::Time deadline);

  // Head reads made so far (for tests and metrics).
  int64_t reads() const;

  // Whether an answer taken after a read with mark `taken` is still
  // current at mark `now`.
  static bool Current(const Mark& taken, const Mark& now) {
    return taken.epoch == now.epoch && taken.head >= now.changed_at;
  }

 private:
  struct Waiter {
    const FeedHeadWatch* watch;
    int64_t round;  // the first round that began after the caller came
  };
  static bool MayGo(Waiter* waiter);
  // The mark after reading head `head`, from mark_ (known_ when set).
  Mark Next(int64_t head) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ReadHead read_head_;
  mutable absl::Mutex mu_;
  int64_t started_ ABSL_GUARDED_BY(mu_) = 0;   // rounds begun
  int64_t finished_ ABSL_GUARDED_BY(mu_) = 0;  // the last round done
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  // The answer of round finished_.
  absl::StatusOr<Mark> result_ ABSL_GUARDED_BY(mu_) = Mark();
  bool known_ ABSL_GUARDED_BY(mu_) = false;  // mark_ holds a read
  Mark mark_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chibo

#endif  // CHIBO_COMMON_FEED_HEAD_WATCH_H_
