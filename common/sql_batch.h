#ifndef CHIBO_COMMON_SQL_BATCH_H_
#define CHIBO_COMMON_SQL_BATCH_H_

// Multi-row statements without SQL assembled at run time. A statement for
// N rows is a compile-time literal: CHIBO_SQL_BATCHES spells one literal
// per size in kSqlBatchSizes (1, 2, 4, ..., 128 copies of the row's
// placeholder group), and PlanSqlBatches cuts N rows into chunks of those
// exact sizes. So N rows cost at most N / 128 + 7 statements, a record of a
// 33-member cell two (32 + 1), and every statement text is fixed: each is
// prepared once per connection and stays in its cache. Exact sizes instead
// of padding a larger statement keep the statement's meaning exact (a
// duplicate row is still an error, not a silently merged copy).
//
//   constexpr const char* kInsert[] = CHIBO_SQL_BATCHES(
//       "INSERT INTO attendance (meeting_id, member_id) VALUES ", "(?, ?)",
//       "");
//   for (const SqlBatch& batch : PlanSqlBatches(rows.size())) {
//     sql::PreparedStatement& insert = db.Prepare(kInsert[batch.size_index]);
//     ... bind rows [batch.begin, batch.begin + batch.count) ...
//   }
//
// The same works for IN-lists: "... WHERE id IN (" CHIBO_SQL_X..("?") ")".

#include <vector>

#define CHIBO_SQL_X1(x) x
#define CHIBO_SQL_X2(x) x "," x
#define CHIBO_SQL_X4(x) CHIBO_SQL_X2(x) "," CHIBO_SQL_X2(x)
#define CHIBO_SQL_X8(x) CHIBO_SQL_X4(x) "," CHIBO_SQL_X4(x)
#define CHIBO_SQL_X16(x) CHIBO_SQL_X8(x) "," CHIBO_SQL_X8(x)
#define CHIBO_SQL_X32(x) CHIBO_SQL_X16(x) "," CHIBO_SQL_X16(x)
#define CHIBO_SQL_X64(x) CHIBO_SQL_X32(x) "," CHIBO_SQL_X32(x)
#define CHIBO_SQL_X128(x) CHIBO_SQL_X64(x) "," CHIBO_SQL_X64(x)

// An initializer of kSqlBatchSizeCount literals: prefix, `row` repeated
// 1, 2, 4, ..., 128 times separated by commas, suffix.
#define CHIBO_SQL_BATCHES(prefix, row, suffix)                              \
  {                                                                         \
    prefix CHIBO_SQL_X1(row) suffix, prefix CHIBO_SQL_X2(row) suffix,       \
        prefix CHIBO_SQL_X4(row) suffix, prefix CHIBO_SQL_X8(row) suffix,   \
        prefix CHIBO_SQL_X16(row) suffix, prefix CHIBO_SQL_X32(row) suffix, \
        prefix CHIBO_SQL_X64(row) suffix, prefix CHIBO_SQL_X128(row) suffix \
  }

// The same for a statement with several lists of one size: M is a macro
// taking the repeater, e.g.
//   #define FIND(X) "... WHERE a IN (" X("?") ") OR b IN (" X("?") ")"
//   constexpr const char* kFind[] = CHIBO_SQL_EACH_SIZE(FIND);
#define CHIBO_SQL_EACH_SIZE(M)                                          \
  {                                                                     \
    M(CHIBO_SQL_X1), M(CHIBO_SQL_X2), M(CHIBO_SQL_X4), M(CHIBO_SQL_X8), \
        M(CHIBO_SQL_X16), M(CHIBO_SQL_X32), M(CHIBO_SQL_X64),           \
        M(CHIBO_SQL_X128)                                               \
  }

namespace chibo {

inline constexpr int kSqlBatchSizeCount = 8;
inline constexpr int kSqlBatchSizes[kSqlBatchSizeCount] = {1,  2,  4,  8,
                                                           16, 32, 64, 128};
inline constexpr int kSqlMaxBatch = 128;

// One statement's share of the rows.
struct SqlBatch {
  int begin = 0;       // the first row
  int count = 0;       // rows in this statement: kSqlBatchSizes[size_index]
  int size_index = 0;  // which literal of CHIBO_SQL_BATCHES to prepare
};

// Cuts `rows` rows into statements of the fixed sizes, largest first:
// full 128-row chunks, then the binary digits of the remainder.
std::vector<SqlBatch> PlanSqlBatches(int rows);

}  // namespace chibo

#endif  // CHIBO_COMMON_SQL_BATCH_H_
