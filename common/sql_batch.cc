#include "common/sql_batch.h"

namespace chibo {

std::vector<SqlBatch> PlanSqlBatches(int rows) {
  std::vector<SqlBatch> out;
  int begin = 0;
  while (rows - begin >= kSqlMaxBatch) {
    out.push_back({begin, kSqlMaxBatch, kSqlBatchSizeCount - 1});
    begin += kSqlMaxBatch;
  }
  for (int i = kSqlBatchSizeCount - 2; i >= 0; --i) {
    if ((rows - begin) >= kSqlBatchSizes[i]) {
      out.push_back({begin, kSqlBatchSizes[i], i});
      begin += kSqlBatchSizes[i];
    }
  }
  return out;
}

}  // namespace chibo
